"""Read queries for MitID Erhverv users."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat

from mitid_portal.outside import NemIDAdministrator, nemid_source
from organisations.models import Organisation, RoleGrant
from users.models import ImportRun, User
from users.progress import READING, SAVING, Progress, progress_read


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
    return User.objects.filter(organisation_id=organisation_id, state=User.State.IMPORTED).exists()


# ---------------------------------------------------------------------------------------------
# The lists *Importerede brugere* and *Brugere* (G3.7, G4.1, G4.6, G5.1) and the selection
# contract with the bulk activation (activation/).


def _searched(users: QuerySet[User], search: str) -> QuerySet[User]:
    """``search`` matches the full name, the email or the RID (case-insensitive, anywhere)."""
    search = (search or "").strip()
    if not search:
        return users
    return users.annotate(search_name=Concat("first_name", Value(" "), "last_name")).filter(
        Q(search_name__icontains=search) | Q(email__icontains=search) | Q(rid__icontains=search)
    )


def users_imported(*, organisation: Organisation, search: str = "") -> QuerySet[User]:
    """The organisation's users imported from NemID and not yet activated."""
    users = User.objects.filter(organisation=organisation, state=User.State.IMPORTED)
    return _searched(users, search).order_by("last_name", "first_name", "id")


def users_imported_without_rid_count(*, users: QuerySet[User]) -> int:
    """How many of ``users`` came from a NemID signature without a RID number: their rights hang
    on no RID, and the import report flagged them (*Bekræft og start aktivering*)."""
    return users.filter(User.IMPORTED_WITHOUT_RID).count()


# The states *Brugere* lists; imported users have their own list.
LISTED_STATES = [state for state in User.State if state != User.State.IMPORTED]


def users_listed(
    *, organisation: Organisation, search: str = "", state: str = ""
) -> QuerySet[User]:
    """The organisation's users in every other state: awaiting activation, active, suspended,
    closed; only those in ``state`` when it is one of them (the caller validates it)."""
    users = User.objects.filter(organisation=organisation).exclude(state=User.State.IMPORTED)
    if state:
        users = users.filter(state=state)
    return _searched(users, search).order_by("last_name", "first_name", "id")


def users_for_selection(
    *, organisation: Organisation, ids: list[int] | None, all_matching: bool, search: str
) -> QuerySet[User]:
    """The imported users a bulk action is about: every one matching ``search`` when
    ``all_matching``, else those among ``ids``. Only the organisation's own imported users can be
    selected – another organisation's ids silently drop out (the caller compares counts and
    answers 404 when any id was foreign)."""
    users = users_imported(organisation=organisation, search=search if all_matching else "")
    if all_matching:
        return users
    return users.filter(pk__in=list(ids or []))


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
    """The organisation's import runs, newest first; the report (large) is left out."""
    return ImportRun.objects.filter(organisation=organisation).defer("report")


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
