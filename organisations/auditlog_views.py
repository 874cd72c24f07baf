"""*Revisionslog*: every administrative act of the organisation (who, what, whom, when, from
which address), searchable and filterable by person, act and period, sortable, 25–200 a page,
exportable as a streamed CSV for Danish Excel (formula-safe). The page costs the same few queries
however long the log is, and its newest-first order is read from the index
``(organisation, created_at DESC, id DESC)`` (migration organisations 0010); a page in the back
half is read backwards from the end, so the last page is as cheap as the first.

Also the view helpers the other lists of thousands share (Tildelte rettigheder, Fuldmagter)."""

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import cast

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mitid_portal.audit import (
    audit_action_label,
    audit_details,
    audit_details_text,
    audit_target_label,
)
from mitid_portal.csv import csv_response
from mitid_portal.listing import SIZE_PARAMETER, SORT_PARAMETER, list_context, list_params
from mitid_portal.models import AuditEvent
from organisations.access import organisation_view
from organisations.forms import AuditFilterForm, ListForm
from organisations.models import RoleGrant
from organisations.selectors import (
    AUDIT_DEFAULT_SORT,
    AUDIT_SORTS,
    audit_events,
)

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
CSV_CHUNK = 2000
PAGE_SIZE = 50

# --- Shared by the lists ------------------------------------------------------------------------


def list_page_context(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form: ListForm,
    sorts: Mapping[str, Sequence[str]],
    default_sort: str,
    columns: Sequence[tuple[str, str]],
) -> dict:
    """``mitid_portal.listing.list_context`` for one of these lists, 50 rows a page unless
    chosen: ``columns`` are (sort key, label) in the table's order, "" for a column that does
    not sort, whose header is then plain. Adds ``list_params`` (the sort and page size as hidden
    fields of the filter form, so that filtering keeps them) and ``export_query``."""
    context = list_context(
        queryset,
        params=request.GET,
        query=form.query(),
        sorts=sorts,
        default_sort=default_sort,
        columns=[(key, label) for key, label in columns if key],
        default_size=PAGE_SIZE,
    )
    sortable = iter(context["headers"])
    context["headers"] = [
        next(sortable) if key else {"label": label, "href": "", "aria_sort": ""}
        for key, label in columns
    ]
    context["list_params"] = [
        (name, value)
        for name, value in context["kept_all"]
        if name in (SORT_PARAMETER, SIZE_PARAMETER)
    ]
    context["export_query"] = context["query"]
    return context


def list_order(
    request: HttpRequest, *, sorts: Mapping[str, Sequence[str]], default_sort: str
) -> tuple[str, ...]:
    """The order the list is shown in (for its export)."""
    return list_params(request.GET, sorts=sorts, default_sort=default_sort).order


# --- Revisionslog -------------------------------------------------------------------------------


def _filtered(request):
    organisation = request.organisation
    # The filter offers every act the portal records, and a code asked for that it no longer
    # records (an old event's): not the codes the log holds, which would read the whole log.
    asked = request.GET.get("action", "")
    form = AuditFilterForm(request.GET or None, actions=[asked] if asked else [])
    events = audit_events(organisation=organisation, **form.filters())
    return form, events


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def audit_log(request):
    """*Revisionslog*: newest first unless sorted otherwise, 50 events a page unless chosen."""
    form, events = _filtered(request)
    columns = [
        ("time", _("Tidspunkt")),
        ("actor", _("Udført af")),
        ("action", _("Handling")),
        ("", _("Vedrører")),
        ("", _("Ændringer")),
        ("", _("IP-adresse")),
    ]
    context = list_page_context(
        request,
        events,
        form=form,
        sorts=AUDIT_SORTS,
        default_sort=AUDIT_DEFAULT_SORT,
        columns=columns,
    )
    context["rows"] = [
        {
            "event": event,
            "label": audit_action_label(event.action),
            "target": audit_target_label(event.target),
            "details": audit_details(event),
        }
        for event in context["page"].object_list
    ]
    return render(request, "organisations/auditlog/list.html", {"form": form, **context})


def _csv_row(values: tuple, tz) -> tuple:
    created_at, actor_name, action, target, changes, ip_address = values
    event = cast(AuditEvent, SimpleNamespace(action=action, changes=changes))
    return (
        timezone.localtime(created_at, tz).strftime("%Y-%m-%d %H:%M:%S"),
        actor_name,
        audit_action_label(action),
        action,
        audit_target_label(target),
        audit_details_text(event),
        ip_address or "",
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def audit_log_csv(request):
    """Every event the filter selects, in the list's order, as a streamed CSV (UTF-8 with BOM,
    semicolons, formula-safe): rows are read 2,000 at a time as they are written."""
    _form, events = _filtered(request)
    tz = timezone.get_current_timezone()
    values = (
        events.order_by(*list_order(request, sorts=AUDIT_SORTS, default_sort=AUDIT_DEFAULT_SORT))
        .values_list("created_at", "actor_name", "action", "target", "changes", "ip_address")
        .iterator(chunk_size=CSV_CHUNK)
    )
    stamp = timezone.localdate().isoformat()
    return csv_response(
        filename=f"revisionslog-{request.organisation.cvr}-{stamp}.csv",
        header=[
            _("Tidspunkt"),
            _("Udført af"),
            _("Handling"),
            _("Handlingskode"),
            _("Vedrører"),
            _("Ændringer"),
            _("IP-adresse"),
        ],
        rows=(_csv_row(row, tz) for row in values),
    )
