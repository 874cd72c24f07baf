"""*Levering af aktiveringsmails*: whether the activation emails the organisation's
administrators caused were sent, are still queued or failed (with the reason), in totals and per
user, with a CSV of the current filter (issue 14)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
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


def _with_state(invitation):
    invitation.email_state = selectors.delivery_state_of_rank(invitation.email_rank)
    invitation.email_label = str(STATE_LABELS[invitation.email_state])
    return invitation


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
    page.object_list = [_with_state(invitation) for invitation in page.object_list]
    selectors.invitations_delivery_details(page.object_list)
    for invitation in page.object_list:
        if invitation.email_state == selectors.DELIVERY_SENT:
            invitation.email_error = ""  # a failure before the email went through is history
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


def _when(value, zone) -> str:
    return timezone.localtime(value, zone).strftime("%Y-%m-%d %H:%M") if value else ""


@require_GET
@organisation_view(*ADMINS)
def delivery_csv(request):
    """The current filter's users as CSV (streamed: flat memory for 100,000 rows)."""
    invitations = selectors.invitations_delivery(
        organisation=request.organisation, state=_state(request), details=True
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
    # Values, not model instances, labels looked up once: 100,000 rows stream in flat memory.
    states = {value: str(label) for value, label in _INVITATION_STATES.items()}
    labels = [str(STATE_LABELS[state]) for state in selectors.DELIVERY_STATES]
    zone = timezone.get_current_timezone()
    sent = selectors.DELIVERY_STATES.index(selectors.DELIVERY_SENT)
    rows = (
        [
            f"{first} {last}".strip(),
            email,
            labels[rank],
            "" if rank == sent else error or "",
            attempts or 0,
            _when(sent_at, zone),
            states.get(state, state),
            _when(expires_at, zone),
        ]
        for first, last, email, rank, error, attempts, sent_at, state, expires_at in (
            invitations.values_list(
                "user__first_name",
                "user__last_name",
                "user__email",
                "email_rank",
                "email_error",
                "email_attempts",
                "email_sent_at",
                "state",
                "expires_at",
            ).iterator(chunk_size=2000)
        )
    )
    return csv_response(filename="levering-af-aktiveringsmails.csv", header=header, rows=rows)
