"""*Revisionslog*: every administrative act of the organisation (who, what, whom, when, from
which address), filterable by person, act and period, 50 a page, exportable as CSV for Danish
Excel (formula-safe). The page costs the same few queries however long the log is."""

import datetime
from typing import cast

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from mitid_portal.audit import (
    AuditAction,
    audit_action_label,
    audit_details,
    audit_details_text,
    audit_target_label,
)
from mitid_portal.csv import csv_render
from mitid_portal.forms import PortalForm
from mitid_portal.models import AuditEvent
from organisations.access import organisation_view
from organisations.models import Organisation, RoleGrant

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
PAGE_SIZE = 50
CSV_CHUNK = 2000

# --- Reads --------------------------------------------------------------------------------------


def audit_events(
    *,
    organisation: Organisation,
    actor: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The organisation's audit events, newest first, filtered; only the columns shown are read
    (no join, so the cost does not depend on who the actors are)."""
    events = AuditEvent.objects.filter(organisation=organisation)
    if actor:
        events = events.filter(actor_name__icontains=actor)
    if action:
        events = events.filter(action=action)
    tz = timezone.get_current_timezone()
    if date_from:
        start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
        events = events.filter(created_at__gte=start)
    if date_to:
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
        events = events.filter(created_at__lt=end.replace(tzinfo=tz))
    return events.only(
        "id", "actor_name", "action", "target", "changes", "ip_address", "created_at"
    ).order_by("-created_at", "-id")


def audit_actions_used(*, organisation: Organisation) -> list[str]:
    return list(
        AuditEvent.objects.filter(organisation=organisation)
        .order_by()
        .values_list("action", flat=True)
        .distinct()
    )


# --- The filter -------------------------------------------------------------------------------


class AuditFilterForm(PortalForm):
    person = forms.CharField(
        label=_lazy("Udført af"),
        required=False,
        max_length=200,
        help_text=_lazy("Hele eller en del af navnet"),
        widget=forms.TextInput(attrs={"class": "form-input"}),
    )
    action = forms.ChoiceField(
        label=_lazy("Handling"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    date_from = forms.DateField(
        label=_lazy("Fra dato"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-input", "type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_lazy("Til dato"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-input", "type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        codes = sorted(set(AuditAction.values) | set(actions), key=audit_action_label)
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("Alle handlinger"))] + [
            (code, audit_action_label(code)) for code in codes
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error(
                "date_to", _("Til-datoen skal være samme dag som eller efter fra-datoen.")
            )
        return data

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "actor": data["person"].strip(),
            "action": data["action"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }


def _filtered(request):
    organisation = request.organisation
    form = AuditFilterForm(
        request.GET or None, actions=audit_actions_used(organisation=organisation)
    )
    events = audit_events(organisation=organisation, **form.filters())
    return form, events


def _query_string(request) -> str:
    query = request.GET.copy()
    query.pop("side", None)
    return query.urlencode()


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def audit_log(request):
    """*Revisionslog*: 50 events a page, newest first."""
    form, events = _filtered(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("side"))
    rows = [
        {
            "event": event,
            "label": audit_action_label(event.action),
            "target": audit_target_label(event.target),
            "details": audit_details(event),
        }
        for event in page.object_list
    ]
    return render(
        request,
        "organisations/auditlog/list.html",
        {"form": form, "page": page, "rows": rows, "query": _query_string(request)},
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def audit_log_csv(request):
    """Every event the filter selects, as CSV (UTF-8 with BOM, semicolons, formula-safe)."""
    _form, events = _filtered(request)
    tz = timezone.get_current_timezone()
    rows = (
        (
            timezone.localtime(event.created_at, tz).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_name,
            audit_action_label(event.action),
            event.action,
            audit_target_label(event.target),
            audit_details_text(event),
            event.ip_address or "",
        )
        for event in events.iterator(chunk_size=CSV_CHUNK)
    )
    body = csv_render(
        header=[
            _("Tidspunkt"),
            _("Udført af"),
            _("Handling"),
            _("Handlingskode"),
            _("Vedrører"),
            _("Ændringer"),
            _("IP-adresse"),
        ],
        rows=rows,
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="revisionslog-{request.organisation.cvr}-{stamp}.csv"'
    )
    return response
