"""Read queries for MitID Erhverv users."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, replace

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import cached_property

from mitid_portal import cpr_search
from mitid_portal.outside import NemIDAdministrator, nemid_source
from organisations.models import Organisation, RoleGrant, UserGroup, UserRight
from users.models import ImportReportRow, ImportRun, User
from users.progress import READING, SAVING, Progress, progress_read
from users.report import report_rows


def users_for_private_mitid_login(*, cpr_hash: str) -> QuerySet[User]:
    """The organisation users a private MitID login may sign in as: active users who use their
    private MitID at work, and the administrators appointed in an organisation (who must log in
    to set it up). A user with a separate MitID logs in with their bruger-ID instead."""
    has_role = RoleGrant.objects.filter(user=OuterRef("pk"))
    return (
        User.objects.filter(cpr_hash=cpr_hash, is_active=True, organisation__isnull=False)
        .exclude(state__in=[User.State.SUSPENDED, User.State.CLOSED])
        # Active users who chose private MitID at work, and appointed administrators.
        .filter(Q(state=User.State.ACTIVE, uses_private_mitid=True) | Q(Exists(has_role)))
        .select_related("organisation")
        .order_by("organisation__name")
    )


def organisation_has_imported_users(*, organisation_id: int) -> bool:
    # The base manager (the organisation is its sandbox's): answered from the index
    # (organisation, state, …) alone, not by a scan that the sandbox's condition invites.
    return User._base_manager.filter(
        organisation_id=organisation_id, state=User.State.IMPORTED
    ).exists()


# ---------------------------------------------------------------------------------------------
# The lists *Importerede brugere* and *Brugere* (G3.7, G4.1, G4.6, G5.1), their filters, sort
# orders and CSV exports, and the selection contract with the bulk actions (activation/).


ORIGIN_IMPORTED = "imported"  # came from a NemID signature
ORIGIN_CREATED = "created"  # created in the portal (Opret bruger, Masseopret, setup)


@dataclass(frozen=True)
class UserFilter:
    """The filters of a user list (``users.forms.UserListFilterForm`` builds one from the GET
    parameters); an empty value filters nothing."""

    search: str = ""
    state: str = ""
    means: str = ""
    role: str = ""
    group: int | None = None
    right: int | None = None
    origin: str = ""
    login_before: datetime.date | None = None
    # A CPR number searched for, as its keyed hash (from the list's ``?cpr=`` token, which keeps
    # the number out of the address: ``mitid_portal.cpr_search``).
    cpr_hash: str = ""


def _user_conditions(f: UserFilter, *, prefix: str = "", outer: str = "pk") -> list[Q]:
    """``f`` as conditions on users, or on rows related to a user through ``prefix`` (e.g.
    ``user__`` for invitations, whose user id is ``outer``)."""
    conditions: list[Q] = []
    if f.cpr_hash:
        conditions.append(Q(**{f"{prefix}cpr_hash": f.cpr_hash}))
    if f.state:
        conditions.append(Q(**{f"{prefix}state": f.state}))
    if f.means:
        # ``means`` is a JSON list of codes: matched as the quoted code in its text, which works
        # the same on SQLite and PostgreSQL.
        conditions.append(Q(**{f"{prefix}means__icontains": f'"{f.means}"'}))
    if f.role:
        conditions.append(Q(Exists(RoleGrant.objects.filter(user=OuterRef(outer), role=f.role))))
    if f.group is not None:
        membership = UserGroup.members.through.objects.filter(
            user_id=OuterRef(outer), usergroup_id=f.group
        )
        conditions.append(Q(Exists(membership)))
    if f.right is not None:
        direct = UserRight.objects.filter(user=OuterRef(outer), service_id=f.right)
        through_group = UserGroup.members.through.objects.filter(
            user_id=OuterRef(outer), usergroup__services=f.right
        )
        conditions.append(Q(Exists(direct)) | Q(Exists(through_group)))
    if f.origin == ORIGIN_IMPORTED:
        conditions.append(Q(**{f"{prefix}nemid_employee_id__isnull": False}))
    elif f.origin == ORIGIN_CREATED:
        conditions.append(Q(**{f"{prefix}nemid_employee_id__isnull": True}))
    if f.login_before is not None:
        # Before the start of that day in the portal's time zone; never logged in counts too.
        zone = timezone.get_current_timezone()
        start = datetime.datetime.combine(f.login_before, datetime.time.min, tzinfo=zone)
        conditions.append(
            Q(**{f"{prefix}last_login__lt": start}) | Q(**{f"{prefix}last_login__isnull": True})
        )
    return conditions


def users_searched(
    rows: QuerySet, search: str, *, prefix: str = "", walked_in: Organisation | None = None
) -> QuerySet:
    """``search`` matches the beginning (case-insensitive) of the first name, the last name, the
    whole name (first and last), the email, the bruger-ID or the RID: "Mette" finds Mette Hansen,
    "mette h" and "Hansen" too, "b12@" the email b12@firma.dk. A CPR number (10 digits or
    ddmmyy-xxxx) matches exactly, through its keyed hash. ``prefix`` reaches the user from a
    related row (``user__``).

    Beginnings, not any part of the text, so that every condition is served by an index of the
    organisation's users (migration users 0013): a search costs the rows it finds, not the size of
    the organisation.

    ``walked_in`` (the rows' organisation) writes the same matches for a page read by walking the
    organisation's users-by-name index (``mitid_portal.listing``: a search that finds thousands):
    the names' conditions are written so that no search index serves them and are checked on the
    name index's own entries (it holds the names, the id and the state: no table row is read for
    a user that does not match), the email, bruger-ID and RID through the ids their indexes find.
    """
    search = " ".join((search or "").split())
    if not search:
        return rows
    if cpr_search.is_cpr(search):
        # A CPR number matches exactly, through its keyed hash (the number itself is stored
        # encrypted and never searched in clear).
        return rows.filter(**{f"{prefix}cpr_hash": cpr_search.cpr_hash_of(search)})
    first, last = f"{prefix}first_name", f"{prefix}last_name"
    if walked_in is not None:
        # The same LIKE as istartswith, on an expression (name || '') that no index holds.
        rows = rows.alias(
            search_first=Concat(first, Value("")), search_last=Concat(last, Value(""))
        )
        others = User._base_manager.filter(
            Q(email__istartswith=search)
            | Q(bruger_id__istartswith=search)
            | Q(rid__istartswith=search),
            organisation=walked_in,
        )
        found = (
            Q(search_first__istartswith=search)
            | Q(search_last__istartswith=search)
            | Q(**{f"{prefix}pk__in": others.values("pk")})
        )
    else:
        found = (
            Q(**{f"{first}__istartswith": search})
            | Q(**{f"{last}__istartswith": search})
            | Q(**{f"{prefix}email__istartswith": search})
            | Q(**{f"{prefix}bruger_id__istartswith": search})
            | Q(**{f"{prefix}rid__istartswith": search})
        )
    if " " in search:
        # The whole name: the first name begins with the first word (the index) and the name
        # with the whole search.
        rows = rows.alias(search_name=Concat(first, Value(" "), last))
        first_word = search.split(" ", 1)[0]
        begins = Q(search_name__istartswith=search)
        if walked_in is None:
            begins &= Q(**{f"{first}__istartswith": first_word})
        found |= begins
    return rows.filter(found)


def _filtered(
    users: QuerySet[User], f: UserFilter, *, walked_in: Organisation | None = None
) -> QuerySet[User]:
    return users_searched(users, f.search, walked_in=walked_in).filter(*_user_conditions(f))


def users_filter_conditions(f: UserFilter, *, prefix: str = "", outer: str = "pk") -> list[Q]:
    """The conditions of ``f`` other than the search, for a list of rows related to users (the
    pending invitations)."""
    return _user_conditions(f, prefix=prefix, outer=outer)


# The columns a list is sorted by (``?sort=navn`` or ``?sort=-navn``), each ending in the id so
# that the order is total; every order is served by an index of the users table (migration 0012).
USER_SORTS: dict[str, tuple[str, ...]] = {
    "navn": ("last_name", "first_name", "id"),
    "email": ("email", "id"),
    "rid": ("rid", "id"),
    "login": ("last_login", "id"),
    "status": ("state", "last_name", "first_name", "id"),
}
IMPORTED_SORTS: dict[str, tuple[str, ...]] = {
    key: USER_SORTS[key] for key in ("navn", "email", "rid")
}
# Only what the list rows show (not the ~30 columns of a user): ``queryset.only(*LIST_COLUMNS)``.
LIST_COLUMNS = (
    "id",
    "username",
    "organisation_id",
    "first_name",
    "last_name",
    "email",
    "rid",
    "bruger_id",
    "state",
    "cpr",
    "cpr_hash",
    "birth_date",
    "duplicate_flag",
    "nemid_employee_id",
    "last_login",
)


def users_imported(
    *,
    organisation: Organisation,
    search: str = "",
    user_filter: UserFilter | None = None,
    walked: bool = False,
) -> QuerySet[User]:
    """The organisation's users imported from NemID and not yet activated, by name; only those
    matching ``user_filter`` (or ``search``) when given (its state is ignored). ``walked``: the
    search written for a page read in the name index's order (``users_searched``)."""
    f = user_filter or UserFilter(search=search)
    # The base manager: no sandbox condition beside the organisation's (the organisation is its
    # sandbox's), so that the count is read from an index alone.
    users = User._base_manager.filter(organisation=organisation, state=User.State.IMPORTED)
    return _filtered(
        users, replace(f, state=""), walked_in=organisation if walked else None
    ).order_by(*USER_SORTS["navn"])


def users_imported_without_rid_count(*, users: QuerySet[User]) -> int:
    """How many of ``users`` came from a NemID signature without a RID number: their rights hang
    on no RID, and the import report flagged them (*Bekræft og start aktivering*)."""
    return users.filter(User.IMPORTED_WITHOUT_RID).count()


# The states *Brugere* lists; imported users have their own list.
LISTED_STATES = [state for state in User.State if state != User.State.IMPORTED]


def users_listed(
    *,
    organisation: Organisation,
    search: str = "",
    state: str = "",
    user_filter: UserFilter | None = None,
    walked: bool = False,
) -> QuerySet[User]:
    """The organisation's users in every other state: awaiting activation, active, suspended,
    closed, by name; only those matching ``user_filter`` (or ``search`` and ``state``: one of
    ``LISTED_STATES``, which the caller validates). ``walked`` as in ``users_imported``."""
    f = user_filter or UserFilter(search=search, state=state)
    # The base manager, as in users_imported: the count is read from an index alone, the
    # listed states as ranges of the index (organisation, state, …), not all its entries.
    users = User._base_manager.filter(organisation=organisation, state__in=LISTED_STATES)
    return _filtered(users, f, walked_in=organisation if walked else None).order_by(
        *USER_SORTS["navn"]
    )


def users_for_selection(
    *,
    organisation: Organisation,
    ids: list[int] | None,
    all_matching: bool,
    search: str,
    cpr_hash: str = "",
) -> QuerySet[User]:
    """The imported users a bulk action is about: every one matching ``search`` (and the CPR
    number of ``cpr_hash``) when ``all_matching``, else those among ``ids``. Only the
    organisation's own imported users can be selected – another organisation's ids silently drop
    out (the caller compares counts and answers 404 when any id was foreign)."""
    users = users_imported(
        organisation=organisation,
        user_filter=UserFilter(search=search, cpr_hash=cpr_hash) if all_matching else None,
    )
    if all_matching:
        return users
    return users.filter(pk__in=list(ids or []))


EXPORT_HEADER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "bruger_id",
    "rid",
    "state",
    "last_login",
)


def users_export_rows(*, users: QuerySet[User]) -> Iterator[tuple]:
    """The rows of a user list's CSV export (no CPR), streamed in chunks of 2,000 in the list's
    order: first name, last name, email, bruger-ID, RID, status, last login."""
    labels = dict(User.State.choices)
    zone = timezone.get_current_timezone()
    for first, last, email, bruger_id, rid, state, last_login in users.values_list(
        *EXPORT_HEADER_FIELDS
    ).iterator(chunk_size=2000):
        yield (
            first,
            last,
            email,
            bruger_id or "",
            rid,
            str(labels.get(state, state)),
            timezone.localtime(last_login, zone).strftime("%Y-%m-%d %H:%M") if last_login else "",
        )


def user_detail(*, organisation: Organisation, pk: int) -> QuerySet[User]:
    """One user of the organisation (a queryset, for ``organisation_object_or_404``), with the
    roles shown on *Brugerinformation* fetched in one extra query (the rights, direct and
    through groups, are ``organisations.selectors.user_rights_rows``)."""
    return User.objects.filter(organisation=organisation, pk=pk).prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")),
    )


# ---------------------------------------------------------------------------------------------
# The NemID import (G3.5–G3.7)


def nemid_admins_for_import(*, organisation: Organisation) -> list[NemIDAdministrator]:
    """The organisation's active NemID administrators (from the NemID source), for whom the
    organisation administrator chooses the administrator role they come across with."""
    return nemid_source().administrators(cvr=organisation.cvr)


def import_runs(*, organisation: Organisation) -> QuerySet[ImportRun]:
    """The organisation's import runs, newest first."""
    return ImportRun.objects.filter(organisation=organisation)


REPORT_FIELDS = ("rid", "name", "outcome", "reason")


def import_report_rows(*, run: ImportRun) -> Iterator[tuple[str, str, str, str]]:
    """Every row of a run's report in its order, streamed from the database (a server-side
    cursor on PostgreSQL): the CSV of 200,000 rows takes the memory of one chunk."""
    return (
        ImportReportRow.objects.filter(run=run)
        .order_by("pk")
        .values_list(*REPORT_FIELDS)
        .iterator(chunk_size=2000)
    )


def import_report_attention_rows(*, run: ImportRun) -> Iterator[tuple[str, str, str, str]]:
    """Every row of a run's report that needs attention (skipped or flagged), in its order."""
    return (
        ImportReportRow.objects.filter(run=run, needs_attention=True)
        .order_by("pk")
        .values_list(*REPORT_FIELDS)
        .iterator(chunk_size=2000)
    )


class _CountedPaginator(Paginator):
    """A paginator told its count (no COUNT query over the rows)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def import_report_attention_page(*, run: ImportRun, page_number: str | None, per_page: int) -> Page:
    """One page of the report rows that need attention (skipped or flagged), as ``ReportRow``:
    read from a partial index, counted by the run's own counts, so the page costs the same for a
    run of 3 signatures and of 200,000."""
    rows = (
        ImportReportRow.objects.filter(run=run, needs_attention=True)
        .order_by("pk")
        .values_list(*REPORT_FIELDS)
    )
    page = _CountedPaginator(rows, per_page, count=run.skipped + run.flagged).get_page(page_number)
    page.object_list = report_rows(page.object_list)
    return page


def import_run_active(*, organisation: Organisation) -> ImportRun | None:
    return (
        import_runs(organisation=organisation)
        .filter(state__in=[ImportRun.State.QUEUED, ImportRun.State.RUNNING])
        .first()
    )


def import_run_progress(*, run: ImportRun) -> Progress:
    """How far a run has come, as other processes can see it (see ``users.progress``)."""
    if run.state in (ImportRun.State.QUEUED, ImportRun.State.RUNNING):
        live = progress_read(run_id=run.pk)
        if live is not None:
            return live
        return Progress(READING, run.processed, run.total)
    return Progress(SAVING, run.total, run.total)
