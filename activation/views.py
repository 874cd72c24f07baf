"""The administrator's activation pages: the bulk wizard (G4.1–G4.7), single activation
(G5.2–G5.7), *Afventer aktivering*, *Overblik* (the migration overview); and the landing page of
the emailed link (G6.1)."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activation import overview, selectors, services
from activation.forms import BulkMeansForm, SelectionForm, SingleMeansForm
from activation.models import BoundMeans, Invitation
from activation.selection import (
    FILTER_GONE,
    SOURCE_IMPORTEREDE,
    InvalidFilter,
    selection_filter,
    selection_users,
)
from activation.services import bulkjobs
from activation.tasks import bulk_job_task
from mitid_portal.confirm import unconfirmed
from mitid_portal.errors import RuleError
from organisations.access import organisation_object_or_404, organisation_view
from organisations.models import RoleGrant
from users.models import User
from users.selectors import users_for_selection, users_imported_without_rid_count

ADMINS = (RoleGrant.Role.ORGANISATION_ADMIN, RoleGrant.Role.USER_ADMIN)
SELECTION_KEY = "activation_bulk"
RECEIPT_KEY = "activation_bulk_receipt"
JOB_KEY = "activation_bulk_job"
PAGE_SIZE = 25
_LABELS = dict(BoundMeans.Kind.choices)


def _means_labels(means: list[str]) -> list[str]:
    return [str(_LABELS.get(m, m)) for m in means]


def _selected_users(request, selection: dict):
    if selection.get("all") and "filter" in selection:
        return selection_users(
            organisation=request.organisation,
            source=SOURCE_IMPORTEREDE,
            params=QueryDict(selection["filter"]),
        )
    return users_for_selection(
        organisation=request.organisation,
        ids=selection.get("ids", []),
        all_matching=selection.get("all", False),
        search=selection.get("q", ""),
        cpr_hash=selection.get("cpr", ""),
    )


def _selection_or_redirect(request):
    selection = request.session.get(SELECTION_KEY)
    if not selection:
        if request.session.get(RECEIPT_KEY):
            return None, redirect("activation:bulk_receipt")
        if request.session.get(JOB_KEY):  # started as a bulk job: its progress and receipt
            return None, redirect("activation:bulk_job", pk=request.session[JOB_KEY])
        messages.info(request, _("Markér de brugere, der skal aktiveres, og vælg Aktivér brugere."))
        return None, redirect("users:imported")
    if selection.get("all") and "filter" in selection:
        try:  # a group or right of the filter may be gone since the list was shown
            selection_filter(
                organisation=request.organisation,
                source=SOURCE_IMPORTEREDE,
                query=selection["filter"],
            )
        except InvalidFilter:
            request.session.pop(SELECTION_KEY, None)
            messages.error(request, FILTER_GONE)
            return None, redirect("users:imported")
    return selection, None


# --- Bulk activation (G4) --------------------------------------------------------------------


def _posted_filter(data: dict) -> str:
    """The list's filter of a "mark all matching" POST: its query string, or (a form posted
    before the list sent it) the search alone."""
    if data["filter"]:
        return data["filter"]
    return urlencode({k: data[k] for k in ("q", "cpr") if data[k]})


@require_POST
@organisation_view(*ADMINS)
def bulk_start(request):
    """*Aktivér brugere* on *Importerede brugere* (G4.1–G4.2): remember the marked users (or all
    matching the search) for the next steps. A foreign or made-up id is a 404."""
    form = SelectionForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Ugyldigt valg af brugere.")]:
            messages.error(request, error)
        return redirect("users:imported")
    data = form.cleaned_data
    if not data["all_matching"] and selectors.ids_outside_organisation(
        organisation=request.organisation, ids=data["user"]
    ):
        raise Http404
    if data["all_matching"]:
        try:
            kept = selection_filter(
                organisation=request.organisation,
                source=SOURCE_IMPORTEREDE,
                query=_posted_filter(data),
            )
        except InvalidFilter:
            messages.error(request, FILTER_GONE)
            return redirect("users:imported")
        request.session[SELECTION_KEY] = {"all": True, "filter": kept}
    else:
        request.session[SELECTION_KEY] = {"ids": data["user"]}
    request.session.pop(RECEIPT_KEY, None)
    request.session.pop(JOB_KEY, None)
    return redirect("activation:bulk_means")


@require_http_methods(["GET", "POST"])
@organisation_view(*ADMINS)
def bulk_means(request):
    """*Vælg identifikationsmidler* (G4.3) → *Næste*."""
    selection, elsewhere = _selection_or_redirect(request)
    if elsewhere:
        return elsewhere
    initial = {"means": selection["means"]} if selection.get("means") else None
    form = BulkMeansForm(
        request.POST if request.method == "POST" else None,
        organisation=request.organisation,
        **({"initial": initial} if initial else {}),
    )
    if request.method == "POST" and form.is_valid():
        request.session[SELECTION_KEY] = {**selection, "means": form.cleaned_data["means"]}
        return redirect("activation:bulk_confirm")
    count = _selected_users(request, selection).count()
    return render(request, "activation/bulk_means.html", {"form": form, "count": count})


@require_http_methods(["GET", "POST"])
@organisation_view(*ADMINS)
def bulk_confirm(request):
    """*Bekræft og start aktivering af brugere* (G4.4) → *Aktivér brugere*."""
    selection, elsewhere = _selection_or_redirect(request)
    if elsewhere:
        return elsewhere
    if not selection.get("means"):
        return redirect("activation:bulk_means")
    if request.method == "POST":
        selected = _selected_users(request, selection)
        number = selected.count()
        shown = request.POST.get("count", "")
        if shown.isascii() and shown.isdigit() and int(shown) != number:
            # Imported or activated elsewhere since the page was shown: confirm the new number.
            messages.warning(
                request,
                _(
                    "Antallet af brugere er ændret, siden siden blev vist. Kontrollér antallet, "
                    "og bekræft igen."
                ),
            )
            return redirect("activation:bulk_confirm")
        if number > bulkjobs.RUN_NOW_MAX:
            try:
                return _bulk_activation_job(request, selection, selected)
            except RuleError as exc:  # e.g. a means withdrawn since the form: no job
                messages.error(request, exc.message)
                return redirect(
                    "activation:bulk_means" if exc.code == "means" else "users:imported"
                )
        try:
            invitations = services.users_activation_start(
                organisation=request.organisation,
                users=_selected_users(request, selection),
                means=selection["means"],
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            if exc.code == "foreign":
                raise Http404 from exc
            if request.session.get(RECEIPT_KEY):  # a double click: the first one did it
                return redirect("activation:bulk_receipt")
            messages.error(request, exc.message)
            return redirect("activation:bulk_means" if exc.code == "means" else "users:imported")
        request.session.pop(SELECTION_KEY, None)
        request.session[RECEIPT_KEY] = {
            "count": invitations.count,
            "means": selection["means"],
            "with_code": invitations.with_code,
        }
        return redirect("activation:bulk_receipt")
    selected = _selected_users(request, selection)
    return render(
        request,
        "activation/bulk_confirm.html",
        {
            "count": selected.count(),
            "means": _means_labels(selection["means"]),
            # Imported without a RID (G1.6): said before the act, not found out after it.
            "without_rid": users_imported_without_rid_count(users=selected),
        },
    )


def _bulk_activation_job(request, selection: dict, selected):
    """Above ``bulkjobs.RUN_NOW_MAX`` users the activation runs as a bulk job in the background
    (a chunk of users per transaction), with a progress bar that turns into the G4.5 receipt."""
    job = bulkjobs.bulk_job_create(
        organisation=request.organisation,
        action=bulkjobs.ACTIVATE,
        users=selected,
        actor=request.user,
        parameters={"means": selection["means"]},
    )
    bulkjobs.bulk_job_confirm(job=job, parameters={}, actor=request.user, request=request)
    transaction.on_commit(lambda: bulk_job_task.enqueue(job_id=job.pk))
    request.session.pop(SELECTION_KEY, None)
    request.session[JOB_KEY] = job.pk
    return redirect("activation:bulk_job", pk=job.pk)


@require_GET
@organisation_view(*ADMINS)
def bulk_receipt(request):
    """*Kvittering* (G4.5): how many were activated and what happens now → *Afslut*."""
    receipt = request.session.get(RECEIPT_KEY)
    if not receipt:
        return redirect("users:imported")
    return render(
        request,
        "activation/bulk_receipt.html",
        {**receipt, "means": _means_labels(receipt["means"])},
    )


@require_POST
@organisation_view(*ADMINS)
def bulk_finish(request):
    """*Afslut* (G4.6): back to *Importerede brugere*, where the activated users are gone."""
    request.session.pop(RECEIPT_KEY, None)
    return redirect("users:imported")


# --- Single activation (G5) ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@organisation_view(*ADMINS)
def single_start(request, user_pk: int):
    """From *Brugerinformation* (G5.2–G5.6): check the user's data, choose the means →
    *Aktivér*."""
    user = organisation_object_or_404(request, User, pk=user_pk)
    if user.state != User.State.IMPORTED:
        invitation = selectors.invitation_live_of_user(user=user)
        if invitation is not None:
            return redirect("activation:invitation", pk=invitation.pk)
    form = SingleMeansForm(
        request.POST if request.method == "POST" else None, organisation=request.organisation
    )
    if request.method == "POST" and user.state == User.State.IMPORTED and form.is_valid():
        try:
            invitations = services.users_activation_start(
                organisation=request.organisation,
                users=[user],
                means=form.means,
                actor=request.user,
                request=request,
            )
        except RuleError as exc:
            invitation = selectors.invitation_live_of_user(user=user)
            if invitation is not None:  # a double click
                return redirect("activation:invitation", pk=invitation.pk)
            form.add_error(None, exc.message)
        else:
            return redirect("activation:invitation", pk=invitations[0].pk)
    return render(request, "activation/single_start.html", {"subject": user, "form": form})


@require_GET
@organisation_view(*ADMINS)
def invitation_detail(request, pk: int):
    """After *Aktivér* (G5.6): "Brugeren er oprettet og skal aktiveres med midlertidig
    aktiveringskode" with *Vis*, or for a CPR user the private-MitID route without a code."""
    invitation = organisation_object_or_404(
        request, Invitation.objects.select_related("user"), pk=pk
    )
    return render(
        request,
        "activation/invitation.html",
        {
            "invitation": invitation,
            "means": _means_labels(invitation.means),
            "delivery": selectors.invitation_email_delivery(invitation=invitation),
        },
    )


def _code_action(request, pk: int, service):
    invitation = organisation_object_or_404(
        request, Invitation.objects.select_related("user"), pk=pk
    )
    try:
        code = service(invitation=invitation, actor=request.user, request=request)
    except RuleError as exc:
        messages.error(request, exc.message)
        return redirect("activation:invitation", pk=invitation.pk)
    # The code exists only in this response: not stored in clear, not in the session.
    return render(request, "activation/code.html", {"invitation": invitation, "code": code})


@never_cache
@require_POST
@organisation_view(*ADMINS)
def code_reveal(request, pk: int):
    """*Vis* (G5.7): the temporary activation code, shown once."""
    return _code_action(request, pk, services.activation_code_reveal)


@never_cache
@require_POST
@organisation_view(*ADMINS)
def code_new(request, pk: int):
    """*Ny kode*: a new code replaces the old one and is shown once."""
    return _code_action(request, pk, services.activation_code_renew)


# --- Afventer aktivering ---------------------------------------------------------------------


@require_POST
@organisation_view(*ADMINS)
def resend(request, pk: int):
    """*Send nyt link*: a new link; the old one stops working."""
    invitation = organisation_object_or_404(
        request, Invitation.objects.select_related("user"), pk=pk
    )
    try:
        services.invitation_resend(invitation=invitation, actor=request.user, request=request)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Der er sendt et nyt aktiveringslink til %(name)s. Det tidligere link virker ikke længere."
            )
            % {"name": invitation.user.full_name},
        )
    return redirect("activation:pending")


@require_POST
@organisation_view(*ADMINS)
def cancel(request, pk: int):
    """*Annullér*: the activation stops and the user is back under *Importerede brugere*."""
    invitation = organisation_object_or_404(
        request, Invitation.objects.select_related("user"), pk=pk
    )
    page = unconfirmed(
        request,
        heading=_("Vil du annullere aktiveringen af %(name)s?")
        % {"name": invitation.user.full_name},
        text=_(
            "Linket og koden holder op med at virke. Du kan sende et nyt aktiveringslink senere."
        ),
        confirm_label=_("Ja, annullér aktiveringen"),
        cancel_url=reverse("activation:pending"),
    )
    if page is not None:
        return page
    try:
        services.invitation_cancel(invitation=invitation, actor=request.user, request=request)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Aktiveringen af %(name)s er annulleret. Brugeren står igen under Importerede brugere."
            )
            % {"name": invitation.user.full_name},
        )
    return redirect("activation:pending")


@require_GET
@organisation_view(*ADMINS)
def migration_overview(request):
    """*Overblik*: where the organisation's migration from NemID stands."""
    counts = overview.migration_counts(organisation=request.organisation)
    bars = overview.chart_bars(counts)
    days = overview.activation_days(
        selectors.activations_per_day(organisation=request.organisation)
    )
    return render(
        request,
        "activation/migration_overview.html",
        {
            "bars": bars,
            "expiring": overview.expiring_figure(counts),
            "migrated_percent": overview.migrated_percent(counts),
            "active": counts["active"],
            "total": sum(bar.count for bar in bars),
            "days": days,
            "days_total": sum(day.count for day in days),
        },
    )
