"""*Aktiveringskoder*: the temporary activation codes of the birth-date users, revealed in bulk
after an activation start as a printable sheet or a CSV, once, with the same rule and audit as
*Vis* (G5.7; issue 14)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from activation import selectors, services
from activation.models import BulkJob
from activation.views import ADMINS
from mitid_portal.confirm import unconfirmed
from mitid_portal.csv import csv_response
from mitid_portal.errors import RuleError
from organisations.access import organisation_object_or_404, organisation_view

SHEET = "ark"
CSV = "csv"


class CodesRevealForm(forms.Form):
    """What to reveal: every unrevealed code, or only those of one start as the page offered it
    (started at ``since`` within one request, or by the bulk activation ``job``); as a sheet or
    a CSV."""

    format = forms.ChoiceField(choices=[(SHEET, _lazy("Udskriftsark")), (CSV, "CSV")])
    since = forms.DateTimeField(required=False)
    job = forms.IntegerField(required=False, min_value=1)


def _scope_text(since) -> str:
    if since is None:
        return ""
    return _("Kun aktiveringen startet %(when)s.") % {
        "when": formats.date_format(timezone.localtime(since), "DATETIME_FORMAT")
    }


def _job(request, pk):
    """A bulk activation job of the organisation (another organisation's: 404)."""
    return organisation_object_or_404(request, BulkJob, pk=pk) if pk else None


@never_cache
@require_http_methods(["GET", "POST"])
@organisation_view(*ADMINS)
def codes(request):
    """How many birth-date users still need their code shown (all; only the latest start's with
    ``?seneste=1``; only a bulk activation job's with ``?job=N``), and *Vis koder som
    udskriftsark* / *Hent koder som CSV*: after the confirmation every such code is made, shown
    once and never again."""
    organisation = request.organisation
    if request.method == "POST":
        form = CodesRevealForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Vælg, hvordan koderne skal vises."))
            return redirect("activation:codes")
        since, job = form.cleaned_data["since"], _job(request, form.cleaned_data["job"])
        page = unconfirmed(
            request,
            heading=_("Vil du vise de midlertidige aktiveringskoder nu?"),
            text=_(
                "Koderne vises kun denne ene gang. Overdrag dem til brugerne på en sikker måde, og "
                "gem dem ikke."
            ),
            confirm_label=_("Ja, vis koderne"),
            cancel_url=reverse("activation:codes"),
        )
        if page is not None:
            return page
        try:
            revealed = services.activation_codes_reveal_bulk(
                organisation=organisation,
                invitations=selectors.invitations_codes_unrevealed(
                    organisation=organisation, since=since, job=job
                ),
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            messages.error(request, exc.message)
            return redirect("activation:codes")
        if form.cleaned_data["format"] == CSV:
            return _codes_csv(revealed)
        # The codes exist only in this response: not stored in clear, not in the session.
        return render(
            request,
            "activation/codes/sheet.html",
            {"revealed": revealed, "scope": _scope_text(job.created_at if job else since)},
        )
    # ?job=N from a bulk activation job's receipt; ?seneste=1: the latest start, whichever.
    raw_job = request.GET.get("job", "")
    job = _job(request, int(raw_job)) if raw_job.isascii() and raw_job.isdigit() else None
    latest = selectors.invitations_codes_latest_start(organisation=organisation)
    since = None
    if job is None and request.GET.get("seneste") == "1" and latest is not None:
        job, since = latest.job, None if latest.job else latest.started_at
    count = selectors.invitations_codes_unrevealed(
        organisation=organisation, since=since, job=job
    ).count()
    return render(
        request,
        "activation/codes/page.html",
        {
            "count": count,
            "latest": latest,
            "scoped": job is not None or since is not None,
            "scope_started_at": job.created_at if job else since,
            "since": since.isoformat() if since else "",
            "job": job,
        },
    )


def _codes_csv(revealed):
    header = [
        _("Navn"),
        _("E-mail"),
        _("Bruger-ID"),
        _("Midlertidig aktiveringskode"),
        _("Aktiveringslinket udløber"),
    ]
    rows = (
        [
            invitation.user.full_name,
            invitation.user.email,
            invitation.user.bruger_id or "",
            code,
            formats.date_format(timezone.localtime(invitation.expires_at), "SHORT_DATE_FORMAT"),
        ]
        for invitation, code in revealed
    )
    return csv_response(filename="aktiveringskoder.csv", header=header, rows=rows)
