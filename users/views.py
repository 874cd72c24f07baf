"""The NemID import (G3.5–G3.7), the lists *Importerede brugere* and *Brugere* (G4.1, G4.6,
G5.1) and *Brugerinformation* (G5.2). Every view is scoped through ``organisations.access``."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from mitid_portal import cpr_search
from mitid_portal.csv import csv_response
from mitid_portal.errors import RuleError
from mitid_portal.listing import list_context, list_params
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


# --- The lists *Importerede brugere* and *Brugere*, and their CSV exports ---------------------

# The bulk actions (activation/, a layer above) named by dotted path, as the kernel's registry
# names the apps above it: the lists' toolbar offers those the administrator's roles allow.
BULK_ACTIONS_PATH = "activation.services.bulkjobs.bulk_actions_for"
USER_COLUMNS = [
    ("navn", _("Navn")),
    ("email", _("E-mail")),
    ("rid", _("RID-nummer")),
    ("login", _("Sidste login")),
    ("status", _("Status")),
]
IMPORTED_COLUMNS = USER_COLUMNS[:3]
EXPORT_HEADER = [
    _("Fornavn(e)"),
    _("Efternavn"),
    _("E-mail"),
    _("Bruger-ID"),
    _("RID-nummer"),
    _("Status"),
    _("Sidste login"),
]


def _bulk_actions(request) -> list[tuple[str, str]]:
    try:
        actions_for = import_string(BULK_ACTIONS_PATH)
    except ImportError:
        return []
    return [(action.code, action.label) for action in actions_for(request.roles)]


def _list_form(request, *, source: str) -> UserListFilterForm:
    fields: tuple[str, ...]
    if source == "importerede":
        fields = UserListFilterForm.FIELDS_IMPORTEREDE
        states: list = []
    else:
        fields, states = UserListFilterForm.FIELDS_BRUGERE, selectors.LISTED_STATES
    form = UserListFilterForm(
        request.GET, states=states, organisation=request.organisation, fields=fields
    )
    form.is_valid()
    return form


def _list(request, *, form, source: str, select, sorts, columns, export: str) -> dict:
    """The list of ``select`` (``selectors.users_listed`` or ``users_imported``) under the
    filter ``form``; a search's page may be read in the name index's order, from the same users
    written for it (``walked=True``, ``selectors.users_searched``)."""
    user_filter = form.user_filter()
    users = select(organisation=request.organisation, user_filter=user_filter)
    walked = (
        select(organisation=request.organisation, user_filter=user_filter, walked=True)
        if user_filter.search
        else None
    )
    query = form.query()
    context = list_context(
        users.only(*selectors.LIST_COLUMNS),
        params=request.GET,
        query=query,
        sorts=sorts,
        default_sort="navn",
        columns=columns,
        default_size=PAGE_SIZE,
        capped=bool(user_filter.search),
        walked={"navn": walked} if walked is not None else None,
    )
    return context | {
        "filter_form": form,
        "filtered": bool(query),
        "search": user_filter.search,
        "cpr_hash": user_filter.cpr_hash,
        "cpr_cleared": form.query_without_cpr(),
        "invalid_filter": bool(form.errors),
        "export_url": f"{reverse(export)}?{context['query']}",
        "reset_url": "?",
        "bulk_source": source,
        "bulk_filter": urlencode(query),
        "bulk_actions": _bulk_actions(request),
        "mark_page": request.GET.get("marker") == "side",
    }


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def imported_list(request):
    """*Importerede brugere* (G3.7, G4.1): the users not yet activated, to mark and activate;
    searched, filtered, sorted and paged as the GET parameters say."""
    form = _list_form(request, source="importerede")
    if (moved := form.cpr_moved(request.GET)) is not None:
        return redirect(f"{request.path}?{moved}")
    context = _list(
        request,
        form=form,
        source="importerede",
        select=selectors.users_imported,
        sorts=selectors.IMPORTED_SORTS,
        columns=IMPORTED_COLUMNS,
        export="users:imported_export",
    )
    return render(request, "users/imported_list.html", context)


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_list(request):
    """*Brugere* (G4.6, G5.1): the users who are activated or on their way, all or those the
    filter form chooses (``?state=``, as the migration overview links to them, ``?means=``,
    ``?role=``, …); the filter, the sort and the page size are kept through the pages and the
    export. Imported users have their own list; an invalid filter value is ignored with a
    notice."""
    if request.GET.get("state") == User.State.IMPORTED:
        # Importerede brugere has its own list: the filter goes along (a CPR search as its token).
        kept = {k: v for k, v in request.GET.items() if k not in ("state", "side")}
        if token := cpr_search.cpr_token(kept.get("q", "")):
            kept["q"], kept["cpr"] = "", token
        kept = {k: v for k, v in kept.items() if v}
        url = reverse("users:imported")
        return redirect(f"{url}?{urlencode(kept)}" if kept else url)
    form = _list_form(request, source="brugere")
    if (moved := form.cpr_moved(request.GET)) is not None:
        return redirect(f"{request.path}?{moved}")
    context = _list(
        request,
        form=form,
        source="brugere",
        select=selectors.users_listed,
        sorts=selectors.USER_SORTS,
        columns=USER_COLUMNS,
        export="users:list_export",
    )
    context |= {
        "state_label": User.State(state).label if (state := form.user_filter().state) else "",
        "unknown_state": "state" in form.errors,
    }
    return render(request, "users/user_list.html", context)


def _export(request, *, users, sorts, name: str):
    chosen = list_params(request.GET, sorts=sorts, default_sort="navn")
    return csv_response(
        filename=f"{name}-{request.organisation.cvr}.csv",
        header=EXPORT_HEADER,
        rows=selectors.users_export_rows(users=users.order_by(*chosen.order)),
    )


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def user_list_export(request):
    """*Brugere* as CSV: every user the current filter shows, in its sort order, streamed (no
    CPR number)."""
    form = _list_form(request, source="brugere")
    users = selectors.users_listed(
        organisation=request.organisation, user_filter=form.user_filter()
    )
    return _export(request, users=users, sorts=selectors.USER_SORTS, name="brugere")


@require_GET
@organisation_view(ORG_ADMIN, USER_ADMIN)
def imported_export(request):
    """*Importerede brugere* as CSV, as the current filter shows them (no CPR number)."""
    form = _list_form(request, source="importerede")
    users = selectors.users_imported(
        organisation=request.organisation, user_filter=form.user_filter()
    )
    return _export(request, users=users, sorts=selectors.IMPORTED_SORTS, name="importerede")


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
