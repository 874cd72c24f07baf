"""*Revisionslog*: every administrative act of the organisation (who, what, whom, when, from
which address), searchable and filterable by person, act and period, sortable, 25–200 a page,
exportable as a streamed CSV for Danish Excel (formula-safe). The page costs the same few queries
however long the log is, and its newest-first order is read from the index
``(organisation, created_at DESC, id DESC)`` (migration organisations 0010); a page in the back
half is read backwards from the end, so the last page is as cheap as the first.

Also the view helpers the other lists of thousands share (Tildelte rettigheder, Fuldmagter)."""

from types import SimpleNamespace
from typing import cast

from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mitid_portal.audit import (
    audit_action_label,
    audit_details,
    audit_details_text,
    audit_target_label,
)
from mitid_portal.csv import csv_response
from mitid_portal.models import AuditEvent
from organisations.access import organisation_view
from organisations.forms import AuditFilterForm, ListForm
from organisations.models import RoleGrant
from organisations.selectors import audit_actions_used, audit_events, list_page

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
CSV_CHUNK = 2000
PAGE_PARAM = "side"

# --- Shared by the lists ------------------------------------------------------------------------


def page_number(request: HttpRequest) -> int:
    """The page asked for (``?side=``); anything else than a number is the first page."""
    try:
        return int(request.GET.get(PAGE_PARAM) or 1)
    except ValueError:
        return 1


def list_links(request: HttpRequest, form: ListForm, columns: list[tuple[str, str]]) -> dict:
    """What a list's template needs to keep the filter through pages, sorts and the export:
    ``query`` (the GET parameters without the page), ``keep`` (the same as pairs, for the jump
    form's hidden fields), ``export_query`` (without page and page size) and ``headers``: each
    column's label, its ``aria_sort`` and the URL that sorts by it (the other way round when it
    is the current sort). ``columns`` are (sort key or "", label)."""
    params = request.GET.copy()
    params.pop(PAGE_PARAM, None)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    sort_query = sort_params.urlencode()
    export_params = params.copy()
    export_params.pop("antal", None)
    current = form.sort_key()
    headers = []
    for key, label in columns:
        if not key:
            headers.append({"label": label, "aria_sort": "", "url": ""})
            continue
        if current == key:
            aria_sort, next_sort = "ascending", f"-{key}"
        elif current == f"-{key}":
            aria_sort, next_sort = "descending", key
        else:
            aria_sort, next_sort = "", key
        prefix = f"{sort_query}&" if sort_query else ""
        headers.append(
            {
                "label": label,
                "aria_sort": aria_sort,
                "url": "?" + prefix + urlencode({"sort": next_sort}),
            }
        )
    return {
        "query": params.urlencode(),
        "keep": [(name, value) for name, values in params.lists() for value in values],
        "export_query": export_params.urlencode(),
        "headers": headers,
    }


# --- Revisionslog -------------------------------------------------------------------------------


def _filtered(request):
    organisation = request.organisation
    form = AuditFilterForm(
        request.GET or None, actions=audit_actions_used(organisation=organisation)
    )
    events = audit_events(organisation=organisation, **form.filters())
    return form, events


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def audit_log(request):
    """*Revisionslog*: newest first unless sorted otherwise, 50 events a page unless chosen."""
    form, events = _filtered(request)
    page = list_page(events, order=form.order(), number=page_number(request), size=form.page_size())
    rows = [
        {
            "event": event,
            "label": audit_action_label(event.action),
            "target": audit_target_label(event.target),
            "details": audit_details(event),
        }
        for event in page.object_list
    ]
    columns = [
        ("time", _("Tidspunkt")),
        ("actor", _("Udført af")),
        ("action", _("Handling")),
        ("", _("Vedrører")),
        ("", _("Ændringer")),
        ("", _("IP-adresse")),
    ]
    return render(
        request,
        "organisations/auditlog/list.html",
        {"form": form, "page": page, "rows": rows, **list_links(request, form, columns)},
    )


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
    form, events = _filtered(request)
    tz = timezone.get_current_timezone()
    values = (
        events.order_by(*form.order())
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
