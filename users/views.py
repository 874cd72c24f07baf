"""The NemID import (G3.5–G3.7), the lists *Importerede brugere* and *Brugere* (G4.1, G4.6,
G5.1) and *Brugerinformation* (G5.2). Every view is scoped through ``organisations.access``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from mitid_portal.csv import csv_response
from mitid_portal.errors import RuleError
from organisations.access import organisation_object_or_404, organisation_view
from organisations.models import RoleGrant
from organisations.selectors import user_rights_rows
from users import selectors, services, tasks
from users.forms import ImportForm, UserListFilterForm
from users.models import ImportRun, User
from users.report import report_csv_header, report_csv_rows

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_GRANTERS = (RoleGrant.Role.RIGHTS_ADMIN, USER_ADMIN)  # who may open a user's rights page
PAGE_SIZE = 50
REPORT_PAGE_SIZE = 100  # report rows that need attention, per page


def _actor_name(request) -> str:
    return request.user.full_name or request.user.get_username()


@require_http_methods(["GET", "POST"])
@organisation_view(ORG_ADMIN)
def import_start(request):
    """*Start import* (G3.5): what the import does, and which NemID administrators come across
    as which administrators."""
    organisation = request.organisation
    admins = selectors.nemid_admins_for_import(organisation=organisation)
    form = ImportForm(request.POST if request.method == "POST" else None, admins=admins)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.users_import_queue(
                organisation=organisation,
                started_by_name=_actor_name(request),
                admin_roles=form.admin_roles(),
                enqueue=tasks.import_nemid_task.enqueue,
            )
        except RuleError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("users:import_run", pk=run.pk)
    return render(
        request,
        "users/import_start.html",
        {
            "form": form,
            "active_run": selectors.import_run_active(organisation=organisation),
            "runs": selectors.import_runs(organisation=organisation)[:5],
        },
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def import_run(request, pk: int):
    """Progress while the import runs (G3.6), then its report; htmx polls the progress part."""
    run = organisation_object_or_404(
        request, selectors.import_runs(organisation=request.organisation), pk=pk
    )
    running = run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING)
    if request.headers.get("HX-Request") and "progress" in request.GET:
        if not running:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # the whole page, now with the report
            return response
        return render(
            request,
            "users/_import_progress.html",
            {"run": run, "progress": selectors.import_run_progress(run=run)},
        )
    context = {"run": run, "running": running}
    if running:
        context["progress"] = selectors.import_run_progress(run=run)
    elif run.state == ImportRun.State.DONE:
        context["attention"] = _report_of(request, run)
    return render(request, "users/import_run.html", context)


def _report_of(request, run: ImportRun):
    """The page of the report rows that need attention asked for (``?side=``)."""
    return selectors.import_report_attention_page(
        run=run, page_number=request.GET.get("side"), per_page=REPORT_PAGE_SIZE
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def import_report_csv(request, pk: int):
    """The whole report as CSV for Danish Excel, streamed row by row."""
    run = organisation_object_or_404(
        request, selectors.import_runs(organisation=request.organisation), pk=pk
    )
    return csv_response(
        filename=f"nemid-import-{request.organisation.cvr}-{run.pk}.csv",
        header=report_csv_header(),
        rows=report_csv_rows(selectors.import_report_rows(run=run)),
    )


def _page(request, users):
    return Paginator(users, PAGE_SIZE).get_page(request.GET.get("side"))


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def imported_list(request):
    """*Importerede brugere* (G3.7, G4.1): the users not yet activated, to mark and activate."""
    search = request.GET.get("q", "").strip()
    users = selectors.users_imported(organisation=request.organisation, search=search)
    page = _page(request, users)
    return render(
        request,
        "users/imported_list.html",
        {
            "page": page,
            "search": search,
            "mark_page": request.GET.get("marker") == "side",
        },
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_list(request):
    """*Brugere* (G4.6, G5.1): the users who are activated or on their way, all or those in one
    state (``?state=``, as the migration overview links to them); the filter and the search are
    kept through the pages. Imported users have their own list; an unknown state is ignored with
    a notice."""
    search = request.GET.get("q", "").strip()
    if request.GET.get("state") == User.State.IMPORTED:
        url = reverse("users:imported")
        return redirect(f"{url}?{urlencode({'q': search})}" if search else url)
    form = UserListFilterForm(request.GET, states=selectors.LISTED_STATES)
    unknown_state = not form.is_valid() and "state" in form.errors
    state = "" if unknown_state else form.cleaned_data.get("state", "")
    users = selectors.users_listed(organisation=request.organisation, search=search, state=state)
    query = urlencode({k: v for k, v in (("q", search), ("state", state)) if v})
    return render(
        request,
        "users/user_list.html",
        {
            "page": _page(request, users),
            "search": search,
            "filter_form": form,
            "state_label": User.State(state).label if state else "",
            "unknown_state": unknown_state,
            "query": query,
        },
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_detail(request, pk: int):
    """*Brugerinformation* (G5.2): the user's data, roles, state and rights – held directly or
    through a user group; *Redigér* and the other acts are the lifecycle's pages
    (``users.lifecycle_views``)."""
    user = organisation_object_or_404(
        request, selectors.user_detail(organisation=request.organisation, pk=pk), pk=pk
    )
    return render(
        request,
        "users/user_detail.html",
        {
            "subject": user,
            "is_imported": user.state == User.State.IMPORTED,
            "rights": user_rights_rows(user=user),
            "may_manage_rights": bool(request.roles & set(RIGHTS_GRANTERS))
            and user.state != User.State.CLOSED,
        },
    )
