"""Bulk actions on a selection of users (*Massehandlinger*, issue 14): the lists post a selection
and an action, the administrator confirms, the job runs (in the request up to
``bulkjobs.RUN_NOW_MAX`` users, else in the background with a progress bar) and ends with its
receipt: totals per outcome, a table per user and a CSV. The organisation's recent jobs are listed
so that a job can be left and come back to."""

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activation import bulkjob_selectors as job_selectors
from activation import selectors
from activation.bulkjob_forms import BulkConfirmForm, BulkSelectionForm
from activation.models import BoundMeans, BulkJob, BulkJobItem
from activation.selection import (
    FILTER_GONE,
    SOURCE_AFVENTER,
    SOURCE_BRUGERE,
    InvalidFilter,
    selection_filter,
    selection_users,
)
from activation.services import bulkjobs
from activation.tasks import bulk_job_task
from mitid_portal.csv import csv_response
from mitid_portal.errors import RuleError
from organisations.access import organisation_object_or_404, organisation_view
from organisations.models import RoleGrant
from organisations.services.roles import actor_require_role
from users.models import User

logger = logging.getLogger(__name__)

ADMINS = (RoleGrant.Role.ORGANISATION_ADMIN, RoleGrant.Role.USER_ADMIN)
PAGE_SIZE = 50
_MEANS_LABELS = dict(BoundMeans.Kind.choices)


def _back(source: str):
    if source == SOURCE_BRUGERE:
        return redirect("users:list")
    if source == SOURCE_AFVENTER:
        return redirect("activation:pending")
    return redirect("users:imported")


def _job_or_404(request, pk: int) -> BulkJob:
    return organisation_object_or_404(
        request, BulkJob.objects.select_related("organisation"), pk=pk
    )


@require_http_methods(["GET", "POST"])
@organisation_view(*ADMINS)
def bulk_action(request):
    """GET: the organisation's recent bulk jobs. POST: a bulk action on a selection of users.

    The contract with the lists (*Brugere*, *Importerede brugere*, *Afventer aktivering*): their
    bulk form posts here

    - ``source``: "brugere", "importerede" or "afventer" (the list);
    - ``action``: the action's code (``bulkjobs.BULK_ACTIONS``: resend, remind, cancel, suspend,
      reactivate, close, role_add, role_remove, group_add, group_remove, right_add,
      right_remove);
    - either ``user``, repeated, the marked users' ids – every one must be a user of the
      organisation, else the whole selection is refused with 404 and nothing is created –
    - or ``all_matching=1`` and ``filter``, the list's urlencoded GET query string: every user
      the list shows under that filter (``activation.selection.selection_users``).

    A draft job is created with one item per user, and the administrator is sent to its confirm
    page; nothing is done to the users before they confirm."""
    if request.method == "GET":
        page = Paginator(
            job_selectors.bulk_jobs(organisation=request.organisation), PAGE_SIZE
        ).get_page(request.GET.get("side"))
        for job in page.object_list:
            job.action_label = _action_label(job)
        return render(request, "activation/jobs/list.html", {"page": page})
    form = BulkSelectionForm(request.POST)
    source = request.POST.get("source", "")
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Ugyldigt valg af brugere.")]:
            messages.error(request, error)
        return _back(source)
    data = form.cleaned_data
    action = bulkjobs.BULK_ACTIONS.get(data["action"])
    if action is None:
        messages.error(request, _("Vælg en handling."))
        return _back(data["source"])
    if not request.roles & set(action.roles):
        # The service refuses it anyway; here the refusal is audited once, not per user.
        actor_require_role(
            actor=request.user,
            organisation=request.organisation,
            roles=action.roles,
            act=f"bulk_{action.code}",
            request=request,
        )
    if data["all_matching"]:
        try:  # an invalid value (a group deleted since the list was shown) refuses the selection
            kept = selection_filter(
                organisation=request.organisation, source=data["source"], query=data["filter"]
            )
        except InvalidFilter:
            messages.error(request, FILTER_GONE)
            return _back(data["source"])
        users = selection_users(
            organisation=request.organisation, source=data["source"], params=QueryDict(kept)
        )
    else:
        if selectors.ids_outside_organisation(organisation=request.organisation, ids=data["user"]):
            raise Http404
        users = User.objects.filter(organisation=request.organisation, pk__in=data["user"])
    try:
        job = bulkjobs.bulk_job_create(
            organisation=request.organisation,
            action=action.code,
            users=users.order_by("last_name", "first_name", "pk"),
            actor=request.user,
            source=data["source"],
        )
    except RuleError as exc:
        messages.error(request, exc.message)
        return _back(data["source"])
    return redirect("activation:bulk_job_confirm", pk=job.pk)


def _action_label(job: BulkJob) -> str:
    action = bulkjobs.bulk_action_of(job.action)
    return str(action.label) if action else job.action


@require_http_methods(["GET", "POST"])
@organisation_view(*ADMINS)
def bulk_job_confirm(request, pk: int):
    """*Bekræft*: how many users, what will happen, and the action's extra field; on confirm the
    job runs now (up to ``RUN_NOW_MAX`` users) or in the background."""
    job = _job_or_404(request, pk)
    if job.state != BulkJob.State.DRAFT:
        return redirect("activation:bulk_job", pk=job.pk)
    action = bulkjobs.bulk_action_of(job.action)
    if action is None:  # pragma: no cover - the job was made from the registry
        raise Http404
    form = BulkConfirmForm(
        request.POST if request.method == "POST" else None,
        extra=action.extra,
        organisation=request.organisation,
    )
    if request.method == "POST" and form.is_valid():
        if not request.roles & set(action.roles):
            raise PermissionDenied
        if bulkjobs.bulk_job_confirm(
            job=job, parameters=form.parameters(), actor=request.user, request=request
        ):
            _start(request, job)
        return redirect("activation:bulk_job", pk=job.pk)
    return render(
        request,
        "activation/jobs/confirm.html",
        {"job": job, "action": action, "form": form, "runs_now": bulkjobs.bulk_job_runs_now(job)},
    )


def _start(request, job: BulkJob, *, remaining: int | None = None) -> None:
    """Run the confirmed job here when it is small, else hand it to the task worker."""
    if (job.total if remaining is None else remaining) <= bulkjobs.RUN_NOW_MAX:
        try:
            bulkjobs.bulk_job_run(job_id=job.pk, actor=request.user, request=request)
        except Exception as exc:
            logger.exception("bulk job %s failed", job.pk)
            bulkjobs.bulk_job_fail(
                job_id=job.pk, error=bulkjobs.bulk_job_error(exc), request=request
            )
        return
    transaction.on_commit(lambda: bulk_job_task.enqueue(job_id=job.pk))


@require_GET
@organisation_view(*ADMINS)
def bulk_job(request, pk: int):
    """The job's progress while it runs (htmx polls the progress part), then its receipt."""
    job = _job_or_404(request, pk)
    if job.state == BulkJob.State.DRAFT:
        return redirect("activation:bulk_job_confirm", pk=job.pk)
    action = bulkjobs.bulk_action_of(job.action)
    if request.headers.get("HX-Request") and "progress" in request.GET:
        if not job.running:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # the whole page, now with the receipt
            return response
        return render(request, "activation/jobs/_progress.html", {"job": job})
    context: dict[str, Any] = {"job": job, "action": action}
    if job.action == bulkjobs.ACTIVATE:
        context["means"] = [str(_MEANS_LABELS.get(m, m)) for m in job.parameters.get("means", [])]
    if not job.running:
        outcome = request.GET.get("udfald", "")
        if outcome not in BulkJobItem.Outcome.values:
            outcome = ""
        page = Paginator(
            job_selectors.bulk_job_items(job=job, outcome=outcome), PAGE_SIZE
        ).get_page(request.GET.get("side"))
        context |= {
            "counts": job_selectors.bulk_job_outcome_counts(job=job),
            "page": page,
            "outcome": outcome,
            "outcomes": BulkJobItem.Outcome.choices,
            "query": f"udfald={outcome}" if outcome else "",
        }
    return render(request, "activation/jobs/job.html", context)


@require_POST
@organisation_view(*ADMINS)
def bulk_job_retry(request, pk: int):
    """*Genoptag*: a job stopped by an error goes on with the users not yet processed."""
    job = _job_or_404(request, pk)
    action = bulkjobs.bulk_action_of(job.action)
    # The same roles as starting it: resuming acts on the rest of the users as this administrator.
    if action is None or not request.roles & set(action.roles):
        raise PermissionDenied
    if bulkjobs.bulk_job_retry(job=job, actor=request.user, request=request):
        _start(request, job, remaining=job.total - job.processed)
    return redirect("activation:bulk_job", pk=job.pk)


@require_GET
@organisation_view(*ADMINS)
def bulk_job_csv(request, pk: int):
    """The receipt as CSV for Danish Excel, streamed (flat memory for 100,000 users)."""
    job = _job_or_404(request, pk)
    labels = {code: str(label) for code, label in BulkJobItem.Outcome.choices}
    rows = (
        (first, last, bruger_id or "", email, labels.get(outcome, _("Ikke udført")), reason)
        for first, last, bruger_id, email, outcome, reason in job_selectors.bulk_job_csv_rows(
            job=job
        )
    )
    return csv_response(
        filename=f"massehandling-{job.pk}.csv",
        header=[
            _("Fornavn"),
            _("Efternavn"),
            _("Bruger-ID"),
            _("E-mail"),
            _("Resultat"),
            _("Årsag"),
        ],
        rows=rows,
    )
