"""*Levering af aktiveringsmails*: whether the activation emails the organisation's
administrators caused were sent, are still queued or failed (with the reason), in totals and per
user, with a CSV of the current filter (issue 14)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from activation import selectors
from activation.models import Invitation
from activation.views import ADMINS, PAGE_SIZE
from mitid_portal.csv import csv_response
from organisations.access import organisation_view

STATE_PARAMETER = "status"
# The delivery states in the order the page lists them (failed first), with their names.
STATE_LABELS = {
    selectors.DELIVERY_FAILED: _lazy("Fejlet"),
    selectors.DELIVERY_QUEUED: _lazy("I kø"),
    selectors.DELIVERY_NONE: _lazy("Ingen e-mailadresse"),
    selectors.DELIVERY_SENT: _lazy("Sendt"),
}
_INVITATION_STATES = dict(Invitation.State.choices)


def _state(request) -> str | None:
    value = request.GET.get(STATE_PARAMETER, "")
    return value if value in STATE_LABELS else None


def _label(invitation) -> str:
    return str(STATE_LABELS.get(invitation.email_state, invitation.email_state))


@require_GET
@organisation_view(*ADMINS)
def delivery(request):
    """Totals (queued, sent, failed, without address) and the users, failed first, with the
    reason; ``?status=failed`` (or queued, sent, none) shows only that state."""
    organisation = request.organisation
    state = _state(request)
    totals = selectors.invitations_delivery_totals(organisation=organisation)
    paginator = Paginator(
        selectors.invitations_delivery(organisation=organisation, state=state), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("side"))
    page.object_list = list(page.object_list)
    for invitation in page.object_list:
        invitation.email_label = _label(invitation)
    return render(
        request,
        "activation/delivery/page.html",
        {
            "page": page,
            "state": state,
            "state_label": STATE_LABELS.get(state) if state else "",
            "states": [
                (value, label, totals.get(value, 0)) for value, label in STATE_LABELS.items()
            ],
            "total": sum(totals.values()),
            "query": urlencode({STATE_PARAMETER: state}) if state else "",
        },
    )


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


@require_GET
@organisation_view(*ADMINS)
def delivery_csv(request):
    """The current filter's users as CSV (streamed: flat memory for 100,000 rows)."""
    invitations = selectors.invitations_delivery(
        organisation=request.organisation, state=_state(request)
    )
    header = [
        _("Navn"),
        _("E-mail"),
        _("Levering"),
        _("Fejlårsag"),
        _("Forsøg"),
        _("Sendt"),
        _("Aktivering"),
        _("Aktiveringslinket udløber"),
    ]
    rows = (
        [
            invitation.user.full_name,
            invitation.user.email,
            _label(invitation),
            invitation.email_error or "",
            invitation.email_attempts or 0,
            _when(invitation.email_sent_at),
            str(_INVITATION_STATES.get(invitation.state, invitation.state)),
            _when(invitation.expires_at),
        ]
        for invitation in invitations.iterator(chunk_size=2000)
    )
    return csv_response(filename="levering-af-aktiveringsmails.csv", header=header, rows=rows)
