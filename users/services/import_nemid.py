"""The NemID import (G3.5–G3.7): NemID medarbejdersignaturer become MitID Erhverv users.

Every active signature of the organisation's CVR becomes a user "Ikke aktiveret" with its RID,
CPR link or birth date, email, name and rights; revoked signatures are skipped with the reason; a
person with several signatures is imported once per signature and flagged, and so is an employee
without a RID number (the rights hang on it); the NemID
administrators the organisation administrator chose get their administrator roles.

How it stays fast and flat (50,000 signatures in a few seconds, the same memory for 200,000):
the signatures are streamed from the NemID source (``mitid_portal.outside.nemid_source``) CHUNK
at a time; each chunk's rights are read in one query, its outcomes decided in memory, and its
users, rights and report rows (``ImportReportRow``) written in bulk (``BulkInserter``: COPY on
PostgreSQL) before the next chunk is read – a few queries per chunk, none per signature, and
nothing per signature kept from one chunk to the next. How it stays all-or-nothing: every chunk
is written in one transaction; its progress travels through the cache (see ``users.progress``).
How it stays idempotent: a signature already imported into the
organisation (``User.nemid_employee_id``) is skipped, and the database constraint
``one_user_per_nemid_signature`` refuses a second copy even if two runs raced.
"""

import datetime
import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.audit import audit_record
from mitid_portal.bulk import BulkInserter
from mitid_portal.errors import RuleError
from mitid_portal.outside import (
    NemIDSignature,
    NemIDSignatureRight,
    NemIDSource,
    nemid_source,
)
from organisations.models import Organisation, PublicService, RoleGrant, UserRight
from users import report
from users.models import ImportReportRow, ImportRun, User
from users.progress import (
    SAVING,
    Progress,
    progress_clear,
    progress_write,
    saving_progress_is_visible,
)

logger = logging.getLogger(__name__)

# Signatures are read from the NemID source and written CHUNK at a time (each chunk one bulk
# insert of users, of their rights and of its report rows), with progress between chunks.
CHUNK = 5000

ALREADY_RUNNING = _("Der kører allerede en import for organisationen.")
# An import of 50,000 signatures takes seconds; a run queued or running this long lost its worker
# (killed, restarted) and must not block the organisation's next import.
STALE_AFTER = datetime.timedelta(minutes=30)
ABANDONED = "Importen blev afbrudt (ingen fremdrift i 30 minutter). Intet er gemt; start den igen."


@dataclass
class _Run:
    """What one run carries from chunk to chunk: counts and a few small lookups, never a row per
    signature (so memory does not grow with the organisation)."""

    organisation: Organisation
    run: ImportRun
    admin_ids: set[int]  # NemID employee ids of the administrators-to-be
    # Users of the organisation who did not come from NemID (the appointed administrator), by CPR
    # hash: a signature with the same CPR is linked to them rather than copied.
    linkable: dict[str, int]
    shared: set[str]  # CPR hashes of persons with several active signatures
    replaced: set[str]  # CPR hashes of persons with a revoked and an active signature
    users: BulkInserter
    rights: BulkInserter
    report_rows: BulkInserter
    service_ids: dict[str, int] = field(default_factory=dict)  # the catalogue's, as met
    admins: dict[int, tuple[int, str]] = field(default_factory=dict)  # employee → user id, RID
    imported: int = 0
    skipped: int = 0
    flagged: int = 0


def import_admin_roles_check(*, organisation: Organisation, admin_roles: dict[int, str]) -> None:
    """The chosen roles must name active NemID administrators of the organisation's CVR and one of
    the three administrator roles; anything else is refused before a run starts."""
    valid_roles = set(RoleGrant.Role.values)
    if any(role not in valid_roles for role in admin_roles.values()):
        raise RuleError("bad_role", _("Vælg en gyldig administratorrolle."))
    if not admin_roles:
        return
    admins = {admin.id for admin in nemid_source().administrators(cvr=organisation.cvr)}
    if not admins.issuperset(admin_roles):
        raise RuleError(
            "not_nemid_admin", _("Kun organisationens aktive NemID-administratorer kan vælges.")
        )


def _stale_runs_abandon(*, organisation: Organisation) -> int:
    """Mark the organisation's queued or running imports older than STALE_AFTER as failed (their
    worker is gone; the all-or-nothing write means nothing of them was saved)."""
    stale = ImportRun.objects.filter(
        organisation=organisation,
        state__in=[ImportRun.State.QUEUED, ImportRun.State.RUNNING],
        created_at__lt=timezone.now() - STALE_AFTER,
    )
    abandoned = stale.update(
        state=ImportRun.State.FAILED, error=ABANDONED, finished_at=timezone.now()
    )
    if abandoned:
        logger.warning(
            "abandoned %s stale NemID import run(s) of organisation %s", abandoned, organisation.pk
        )
    return abandoned


def users_import_queue(
    *,
    organisation: Organisation,
    started_by_name: str,
    admin_roles: dict[int, str],
    enqueue: Callable[[int], object],
) -> ImportRun:
    """Queue an import of the organisation and, once the run is committed, hand its id to
    ``enqueue`` (``users.tasks.import_nemid_task.enqueue``), which starts it in the background.
    At most one import per organisation is queued or running at a time (a database constraint);
    a second one is refused."""
    import_admin_roles_check(organisation=organisation, admin_roles=admin_roles)
    _stale_runs_abandon(organisation=organisation)
    try:
        with transaction.atomic():
            run = ImportRun.objects.create(
                organisation=organisation,
                started_by_name=started_by_name[:200],
                admin_roles={str(pk): role for pk, role in admin_roles.items()},
                state=ImportRun.State.QUEUED,
            )
    except IntegrityError as exc:
        raise RuleError("import_running", ALREADY_RUNNING) from exc

    def start() -> None:
        try:
            enqueue(run.pk)
        except Exception:
            # A run that never reaches a worker must not block the next attempt.
            logger.exception("could not enqueue NemID import run %s", run.pk)
            ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.QUEUED).update(
                state=ImportRun.State.FAILED,
                error="Importen kunne ikke startes.",
                finished_at=timezone.now(),
            )

    transaction.on_commit(start)
    return run


def users_import_from_nemid(
    *,
    organisation: Organisation,
    started_by_name: str,
    admin_roles: dict[int, str] | None = None,
    run: ImportRun | None = None,
) -> ImportRun:
    """Import the organisation's NemID signatures as users not yet activated (G3.5–G3.7):
    all-or-nothing, idempotent, with a report of every signature (imported, skipped with the
    reason, flagged). ``run`` is the queued run to carry out (from the background task); without
    it a new run is started, refused while another one is queued or running."""
    admin_roles = {int(pk): role for pk, role in (admin_roles or {}).items()}
    if run is None:
        import_admin_roles_check(organisation=organisation, admin_roles=admin_roles)
    run = _run_begin(organisation=organisation, started_by_name=started_by_name, run=run)
    if run.state != ImportRun.State.RUNNING:
        return run  # already carried out (a task delivered twice)
    try:
        # Checked again for a queued run: an administrator may have left since it was queued.
        import_admin_roles_check(organisation=organisation, admin_roles=admin_roles)
        _import(
            organisation=organisation,
            run=run,
            admin_roles=admin_roles,
            started_by_name=started_by_name,
        )
    except Exception as exc:
        logger.exception("NemID import run %s failed; nothing was saved", run.pk)
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED,
            error=(
                str(exc)
                if isinstance(exc, RuleError)
                else f"Importen fejlede, og intet er gemt ({type(exc).__name__})."
            )[:500],
            finished_at=timezone.now(),
        )
        run.refresh_from_db()
        raise
    finally:
        progress_clear(run_id=run.pk)
    run.refresh_from_db()
    return run


def _run_begin(*, organisation: Organisation, started_by_name: str, run: ImportRun | None):
    if run is None:
        _stale_runs_abandon(organisation=organisation)
        try:
            with transaction.atomic():
                return ImportRun.objects.create(
                    organisation=organisation,
                    started_by_name=started_by_name[:200],
                    state=ImportRun.State.RUNNING,
                )
        except IntegrityError as exc:
            raise RuleError("import_running", ALREADY_RUNNING) from exc
    if run.organisation_id != organisation.pk:
        raise RuleError("wrong_organisation", _("Importen hører til en anden organisation."))
    ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.QUEUED).update(
        state=ImportRun.State.RUNNING
    )
    run.refresh_from_db()
    return run


def _services_ensure(codes: dict[str, str]) -> dict[str, int]:
    """The catalogue's id of every service code, creating the missing services in bulk."""
    existing = dict(PublicService.objects.filter(code__in=list(codes)).values_list("code", "pk"))
    missing = [PublicService(code=c, name=n) for c, n in codes.items() if c not in existing]
    if missing:
        PublicService.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(
            PublicService.objects.filter(code__in=list(codes)).values_list("code", "pk")
        )
    return existing


USER_COLUMNS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "cpr",
    "cpr_hash",
    "birth_date",
    "rid",
    "duplicate_flag",
    "nemid_employee_id",
)
_RID = USER_COLUMNS.index("rid")
_EMPLOYEE = USER_COLUMNS.index("nemid_employee_id")
REPORT_COLUMNS = ("rid", "name", "outcome", "reason", "needs_attention")
GRANTED_BY = "NemID-import"


def _import(
    *,
    organisation: Organisation,
    run: ImportRun,
    admin_roles: dict[int, str],
    started_by_name: str,
) -> None:
    """Read the signatures from the NemID source CHUNK at a time and write each chunk (users,
    rights, report rows) before reading the next, all in one transaction: all-or-nothing."""
    source = nemid_source()
    cvr = organisation.cvr
    total = source.signature_count(cvr=cvr)
    ImportRun.objects.filter(pk=run.pk).update(total=total, processed=0)
    # Reading, checking and saving happen together, inside the transaction: the progress can be
    # seen by others only through a cache outside it (see users.progress).
    live = saving_progress_is_visible()
    progress_write(run_id=run.pk, progress=Progress(SAVING, 0, total, live=live))
    state = _Run(
        organisation=organisation,
        run=run,
        admin_ids=set(admin_roles),
        linkable=dict(
            User.objects.filter(organisation=organisation, nemid_employee_id__isnull=True)
            .exclude(cpr_hash="")
            .values_list("cpr_hash", "pk")
        ),
        shared=source.shared_cpr_hashes(cvr=cvr),
        replaced=source.replaced_cpr_hashes(cvr=cvr),
        users=BulkInserter(
            User,
            # The values every imported user shares: organisation, no password, the defaults
            # (among them the first state of the lifecycle, imported).
            template=User(organisation=organisation, password="!"),  # noqa: S106
            varying=USER_COLUMNS,
        ),
        rights=BulkInserter(
            UserRight,
            template=UserRight(granted_by_name=GRANTED_BY),
            varying=("user_id", "service_id", "from_rid"),
        ),
        report_rows=BulkInserter(
            ImportReportRow, template=ImportReportRow(run=run), varying=REPORT_COLUMNS
        ),
    )
    done = 0
    with transaction.atomic():
        for chunk in source.signatures(cvr=cvr, chunk_size=CHUNK):
            _chunk_import(state=state, source=source, chunk=chunk)
            done += len(chunk)
            if live:
                progress_write(run_id=run.pk, progress=Progress(SAVING, done, total))
        RoleGrant.objects.bulk_create(
            [
                RoleGrant(
                    organisation=organisation,
                    user_id=state.admins[employee_id][0],
                    role=role,
                    granted_by_name=started_by_name[:200],
                )
                for employee_id, role in admin_roles.items()
                if employee_id in state.admins
            ],
            ignore_conflicts=True,
        )
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.DONE,
            total=done,  # the signatures read and reported (one report row each)
            processed=done,
            imported=state.imported,
            skipped=state.skipped,
            flagged=state.flagged,
            finished_at=timezone.now(),
        )
        audit_record(
            action="nemid_import",
            actor_name=started_by_name,
            organisation=organisation,
            target=f"{organisation.name} (CVR {organisation.cvr})",
            changes={
                "run": run.pk,
                "signatures": done,
                "imported": state.imported,
                "skipped": state.skipped,
                "flagged": state.flagged,
                "roles": [
                    {"rid": state.admins.get(employee_id, (0, ""))[1], "role": role}
                    for employee_id, role in admin_roles.items()
                ],
            },
        )


def _chunk_import(*, state: _Run, source: NemIDSource, chunk: list[NemIDSignature]) -> None:
    """Decide each signature's outcome in one chunk (ordered by id) and write the chunk: its new
    users, their rights, the links to existing users and its report rows – a few queries per
    chunk, none per signature."""
    organisation = state.organisation
    first_id, last_id = chunk[0].id, chunk[-1].id
    already = set(
        User.objects.filter(
            organisation=organisation,
            nemid_employee_id__gte=first_id,
            nemid_employee_id__lte=last_id,
        )
        .order_by()  # a set: no sort by name
        .values_list("nemid_employee_id", flat=True)
    )
    rights: dict[int, list[NemIDSignatureRight]] = defaultdict(list)
    for right in source.rights_between(cvr=organisation.cvr, first_id=first_id, last_id=last_id):
        rights[right.signature_id].append(right)
    adapt_date = state.users.connection.ops.adapt_datefield_value
    users: list[tuple] = []  # the USER_COLUMNS of each new user
    links: dict[int, tuple[int, str]] = {}  # employee id → existing user id, signature's RID
    report_rows: list[tuple] = []  # the REPORT_COLUMNS of each signature
    shared, replaced, linkable = state.shared, state.replaced, state.linkable
    usernames = _usernames(len(chunk))
    # The CPR travels as the ciphertext it is stored as (the NemID source hands it over encrypted
    # with the portal's keys): it is never in plain text during the import.
    for pk, rid, first, last, email, cpr, cpr_hash, birth_date, active, _admin in chunk:
        name = f"{first} {last}".strip()
        if not active:
            # A revoked signature of a person who is still here with another signature was
            # deleted as a duplicate (G1.2), not because the person left.
            reason = (
                report.REASON_REVOKED_OTHER
                if cpr_hash and cpr_hash in replaced
                else report.REASON_REVOKED
            )
            report_rows.append((rid, name, report.SKIPPED, reason, True))
            state.skipped += 1
            continue
        if pk in already:
            report_rows.append((rid, name, report.SKIPPED, report.REASON_ALREADY, True))
            state.skipped += 1
            continue
        if not cpr and birth_date is None:
            report_rows.append((rid, name, report.SKIPPED, report.REASON_NO_IDENTITY, True))
            state.skipped += 1
            continue
        duplicate = bool(cpr_hash) and cpr_hash in shared
        linked_to = linkable.pop(cpr_hash, None) if cpr_hash else None
        if linked_to is not None:
            links[pk] = (linked_to, rid)
            reason = report.REASON_LINKED
        else:
            # Already in database form: the insert then only runs the statement.
            users.append(
                (
                    next(usernames),
                    first,
                    last,
                    email,
                    cpr,
                    cpr_hash,
                    adapt_date(birth_date),
                    rid,
                    duplicate,
                    pk,
                )
            )
            reason = report.REASON_NO_RID if not rid else ""
        if duplicate:
            report_rows.append((rid, name, report.FLAGGED, report.REASON_DUPLICATE, True))
            state.flagged += 1
        elif reason == report.REASON_NO_RID:
            # The rights hang on the RID (G1.6): the administrator must see this one before
            # activating the user, as the NemID check showed it.
            report_rows.append((rid, name, report.FLAGGED, reason, True))
            state.flagged += 1
        else:
            report_rows.append((rid, name, report.IMPORTED, reason, False))
        state.imported += 1

    codes = {
        code: service_name
        for employee_id in [*(row[_EMPLOYEE] for row in users), *links]
        for _employee, code, service_name in rights.get(employee_id, ())
    }
    if codes.keys() - state.service_ids.keys():
        state.service_ids |= _services_ensure(codes)
    user_of = _users_insert_chunk(state=state, users=users, rights=rights)
    if links:
        _link_existing(state=state, links=links, rights=rights)
    state.report_rows.insert(report_rows)
    if state.admin_ids:
        state.admins |= {
            row[_EMPLOYEE]: (user_of[row[_EMPLOYEE]], row[_RID])
            for row in users
            if row[_EMPLOYEE] in state.admin_ids
        }
        state.admins |= {pk: links[pk] for pk in state.admin_ids.intersection(links)}


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def _usernames(count: int) -> Iterator[str]:
    """``count`` new usernames as ``users.models.new_username`` makes them ("u-" and a random
    UUID version 4 in hex), from one read of the system's random source instead of one UUID
    object each."""
    hexes = os.urandom(16 * count).hex()
    for start in range(0, 32 * count, 32):
        h = hexes[start : start + 32]
        yield f"u-{h[:12]}4{h[13:16]}{_VARIANT[h[16]]}{h[17:]}"


def _users_insert_chunk(
    *, state: _Run, users: list[tuple], rights: dict[int, list[NemIDSignatureRight]]
) -> dict[int, int]:
    """Insert one chunk of users and their rights; returns NemID employee id → new user id."""
    if not users:
        return {}
    state.users.insert(users)
    # The chunk holds consecutive signatures (ordered by id), so one range query finds the ids.
    user_of = dict(
        User.objects.filter(
            organisation=state.organisation,
            nemid_employee_id__gte=users[0][_EMPLOYEE],
            nemid_employee_id__lte=users[-1][_EMPLOYEE],
        )
        .order_by()  # a mapping: no sort by name
        .values_list("nemid_employee_id", "pk")
    )
    service_ids = state.service_ids
    state.rights.insert(
        (user_of[row[_EMPLOYEE]], service_ids[code], row[_RID])
        for row in users
        for _employee, code, _name in rights.get(row[_EMPLOYEE], ())
    )
    return {row[_EMPLOYEE]: user_of[row[_EMPLOYEE]] for row in users}


def _link_existing(
    *,
    state: _Run,
    links: dict[int, tuple[int, str]],
    rights: dict[int, list[NemIDSignatureRight]],
) -> None:
    """Give the existing users their signature's RID and rights (at most one signature each)."""
    employee_of = {user_id: employee_id for employee_id, (user_id, _rid) in links.items()}
    users = list(User.objects.filter(pk__in=list(employee_of)))
    for user in users:
        user.nemid_employee_id = employee_of[user.pk]
        user.rid = user.rid or links[user.nemid_employee_id][1]
    User.objects.bulk_update(users, ["nemid_employee_id", "rid"])
    UserRight.objects.bulk_create(
        [
            UserRight(
                user_id=user.pk,
                service_id=state.service_ids[code],
                from_rid=links[employee_of[user.pk]][1],
                granted_by_name=GRANTED_BY,
            )
            for user in users
            for _employee, code, _name in rights.get(employee_of[user.pk], ())
        ],
        ignore_conflicts=True,
    )
