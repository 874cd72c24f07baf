"""The NemID import (G3.5–G3.7): NemID medarbejdersignaturer become MitID Erhverv users.

Every active signature of the organisation's CVR becomes a user "Ikke aktiveret" with its RID,
CPR link or birth date, email, name and rights; revoked signatures are skipped with the reason; a
person with several signatures is imported once per signature and flagged, and so is an employee
without a RID number (the rights hang on it); the NemID
administrators the organisation administrator chose get their administrator roles.

How it stays fast (50,000 signatures in a few seconds): the signatures and their rights are read
from the NemID source (``mitid_portal.outside.nemid_source``) in chunks, a query per chunk, the
rows are built in memory, and users, rights and roles are written in bulk – no query per row.
How it stays all-or-nothing: everything is written in one
transaction; reading and checking happen before it, so that the progress of that part can be seen
(see ``users.progress``). How it stays idempotent: a signature already imported into the
organisation (``User.nemid_employee_id``) is skipped, and the database constraint
``one_user_per_nemid_signature`` refuses a second copy even if two runs raced.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.audit import audit_record
from mitid_portal.bulk import BulkInserter
from mitid_portal.errors import RuleError
from mitid_portal.outside import NemIDSignatureRight, nemid_source
from organisations.models import Organisation, PublicService, RoleGrant, UserRight
from users import report
from users.models import ImportRun, User, new_username
from users.progress import (
    READING,
    SAVING,
    Progress,
    progress_clear,
    progress_write,
    saving_progress_is_visible,
)

logger = logging.getLogger(__name__)

# Users are written CHUNK at a time (each chunk one bulk insert of users, then of their rights),
# with progress reported between chunks; PROGRESS_EVERY rows between progress writes while reading.
CHUNK = 5000
PROGRESS_EVERY = 5000
# Signatures and rights are read from the NemID source READ_CHUNK at a time.
READ_CHUNK = 2000

ALREADY_RUNNING = _("Der kører allerede en import for organisationen.")
# An import of 50,000 signatures takes seconds; a run queued or running this long lost its worker
# (killed, restarted) and must not block the organisation's next import.
STALE_AFTER = datetime.timedelta(minutes=30)
ABANDONED = "Importen blev afbrudt (ingen fremdrift i 30 minutter). Intet er gemt; start den igen."


@dataclass
class _Plan:
    """What one run will write, worked out before the write transaction opens."""

    users: list[tuple] = field(default_factory=list)  # the USER_COLUMNS of each new user
    rights: dict[int, list[NemIDSignatureRight]] = field(default_factory=dict)  # by employee id
    links: dict[int, int] = field(default_factory=dict)  # employee id → existing user id
    link_rids: dict[int, str] = field(default_factory=dict)  # existing user id → RID
    rids: dict[int, str] = field(default_factory=dict)  # employee id → RID of every one imported
    rows: list[list[str]] = field(default_factory=list)
    total: int = 0
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
        plan = _plan(organisation=organisation, run=run)
        _write(
            organisation=organisation,
            run=run,
            plan=plan,
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


def _plan(*, organisation: Organisation, run: ImportRun) -> _Plan:
    """Read the signatures and their rights from the NemID source (chunk by chunk, a query per
    chunk) and decide each one's outcome."""
    source = nemid_source()
    cvr = organisation.cvr
    total = source.signature_count(cvr=cvr)
    ImportRun.objects.filter(pk=run.pk).update(total=total, processed=0)
    progress_write(run_id=run.pk, progress=Progress(READING, 0, total))

    already = set(
        User.objects.filter(organisation=organisation, nemid_employee_id__isnull=False).values_list(
            "nemid_employee_id", flat=True
        )
    )
    # Users of the organisation who did not come from NemID (the appointed administrator): a
    # signature with the same CPR is linked to them rather than copied, one person one user.
    linkable = dict(
        User.objects.filter(organisation=organisation, nemid_employee_id__isnull=True)
        .exclude(cpr_hash="")
        .values_list("cpr_hash", "pk")
    )
    shared = source.shared_cpr_hashes(cvr=cvr)
    rights: dict[int, list[NemIDSignatureRight]] = defaultdict(list)
    for right_chunk in source.rights(cvr=cvr, chunk_size=READ_CHUNK):
        for right in right_chunk:
            rights[right.signature_id].append(right)

    plan = _Plan(total=total, rights=rights)
    adapt_date = connections[router.db_for_write(User)].ops.adapt_datefield_value
    # The CPR travels as the ciphertext it is stored as (the NemID source hands it over encrypted
    # with the portal's keys): it is never in plain text during the import, and 50,000
    # decryptions and encryptions are saved.
    done = 0
    revoked: list[tuple[int, str]] = []  # (row index, CPR hash) of each revoked signature
    active_persons: set[str] = set()  # CPR hashes of the active signatures
    for chunk in source.signatures(cvr=cvr, chunk_size=READ_CHUNK):
        for pk, rid, first, last, email, cpr, cpr_hash, birth_date, active, _admin in chunk:
            name = f"{first} {last}".strip()
            if active and cpr_hash:
                active_persons.add(cpr_hash)
            if not active:
                if cpr_hash:
                    revoked.append((len(plan.rows), cpr_hash))
                plan.rows.append([rid, name, report.SKIPPED, report.REASON_REVOKED])
                plan.skipped += 1
            elif pk in already:
                plan.rows.append([rid, name, report.SKIPPED, report.REASON_ALREADY])
                plan.skipped += 1
            elif not cpr and birth_date is None:
                plan.rows.append([rid, name, report.SKIPPED, report.REASON_NO_IDENTITY])
                plan.skipped += 1
            else:
                duplicate = bool(cpr_hash) and cpr_hash in shared
                plan.rids[pk] = rid
                linked_to = linkable.pop(cpr_hash, None) if cpr_hash else None
                if linked_to is not None:
                    plan.links[pk] = linked_to
                    plan.link_rids[linked_to] = rid
                    reason = report.REASON_LINKED
                else:
                    # Already in database form: the insert then only runs the statement.
                    plan.users.append(
                        (
                            new_username(),
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
                    plan.rows.append([rid, name, report.FLAGGED, report.REASON_DUPLICATE])
                    plan.flagged += 1
                elif reason == report.REASON_NO_RID:
                    # The rights hang on the RID (G1.6): the administrator must see this one
                    # before activating the user, as the NemID check showed it.
                    plan.rows.append([rid, name, report.FLAGGED, reason])
                    plan.flagged += 1
                else:
                    plan.rows.append([rid, name, report.IMPORTED, reason])
                plan.imported += 1
            done += 1
            if done % PROGRESS_EVERY == 0:
                ImportRun.objects.filter(pk=run.pk).update(processed=done)
                progress_write(run_id=run.pk, progress=Progress(READING, done, total))
    # A revoked signature of a person who is still here with another signature was deleted as a
    # duplicate (G1.2), not because the person left.
    for index, cpr_hash in revoked:
        if cpr_hash in active_persons:
            plan.rows[index][3] = report.REASON_REVOKED_OTHER
    ImportRun.objects.filter(pk=run.pk).update(processed=total)
    return plan


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


def _users_insert_chunk(
    *,
    organisation: Organisation,
    users: list[tuple],
    rights: dict[int, list[NemIDSignatureRight]],
    service_ids: dict[str, int],
    granted_by: str,
) -> dict[int, int]:
    """Insert one chunk of users and their rights; returns NemID employee id → new user id."""
    if not users:
        return {}
    BulkInserter(
        User,
        # The values every imported user shares: organisation, no password, the defaults (among
        # them the first state of the lifecycle, imported).
        template=User(organisation=organisation, password="!"),  # noqa: S106
        varying=USER_COLUMNS,
    ).insert(users)
    # The chunk holds consecutive signatures (ordered by id), so one range query finds the ids.
    user_of = dict(
        User.objects.filter(
            organisation=organisation,
            nemid_employee_id__gte=users[0][_EMPLOYEE],
            nemid_employee_id__lte=users[-1][_EMPLOYEE],
        ).values_list("nemid_employee_id", "pk")
    )
    BulkInserter(
        UserRight,
        template=UserRight(granted_by_name=granted_by),
        varying=("user_id", "service_id", "from_rid"),
    ).insert(
        (user_of[row[_EMPLOYEE]], service_ids[code], row[_RID])
        for row in users
        for _employee, code, _name in rights.get(row[_EMPLOYEE], ())
    )
    return {row[_EMPLOYEE]: user_of[row[_EMPLOYEE]] for row in users}


def _write(
    *,
    organisation: Organisation,
    run: ImportRun,
    plan: _Plan,
    admin_roles: dict[int, str],
    started_by_name: str,
) -> None:
    """Write everything in one transaction: users, rights, roles, the report and the audit."""
    live = saving_progress_is_visible()
    count = len(plan.users)
    progress_write(run_id=run.pk, progress=Progress(SAVING, 0, count, live=live))
    granted_by = "NemID-import"
    with transaction.atomic():
        codes = {
            code: name
            for employee_id in plan.rids
            for _employee, code, name in plan.rights.get(employee_id, ())
        }
        service_ids = _services_ensure(codes) if codes else {}
        user_of: dict[int, int] = dict(plan.links)
        for start in range(0, count, CHUNK):
            user_of |= _users_insert_chunk(
                organisation=organisation,
                users=plan.users[start : start + CHUNK],
                rights=plan.rights,
                service_ids=service_ids,
                granted_by=granted_by,
            )
            if live:
                progress_write(
                    run_id=run.pk,
                    progress=Progress(SAVING, min(start + CHUNK, count), count),
                )
        if plan.links:
            _link_existing(plan=plan, service_ids=service_ids, granted_by=granted_by)
        roles = [
            RoleGrant(
                organisation=organisation,
                user_id=user_of[employee_id],
                role=role,
                granted_by_name=started_by_name[:200],
            )
            for employee_id, role in admin_roles.items()
            if employee_id in user_of
        ]
        RoleGrant.objects.bulk_create(roles, ignore_conflicts=True)
        finished = timezone.now()
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.DONE,
            total=plan.total,
            processed=plan.total,
            imported=plan.imported,
            skipped=plan.skipped,
            flagged=plan.flagged,
            report=plan.rows,
            finished_at=finished,
        )
        audit_record(
            action="nemid_import",
            actor_name=started_by_name,
            organisation=organisation,
            target=f"{organisation.name} (CVR {organisation.cvr})",
            changes={
                "run": run.pk,
                "signatures": plan.total,
                "imported": plan.imported,
                "skipped": plan.skipped,
                "flagged": plan.flagged,
                "roles": [
                    {"rid": plan.rids.get(employee_id, ""), "role": role}
                    for employee_id, role in admin_roles.items()
                ],
            },
        )


def _link_existing(*, plan: _Plan, service_ids: dict[str, int], granted_by: str) -> None:
    """Give the existing users their signature's RID and rights (at most one signature each)."""
    users = list(User.objects.filter(pk__in=list(plan.links.values())))
    employee_of = {user_id: employee_id for employee_id, user_id in plan.links.items()}
    for user in users:
        user.nemid_employee_id = employee_of[user.pk]
        user.rid = user.rid or plan.link_rids[user.pk]
    User.objects.bulk_update(users, ["nemid_employee_id", "rid"])
    UserRight.objects.bulk_create(
        [
            UserRight(
                user_id=user.pk,
                service_id=service_ids[code],
                from_rid=plan.link_rids[user.pk],
                granted_by_name=granted_by,
            )
            for user in users
            for _employee, code, _name in plan.rights.get(employee_of[user.pk], ())
        ],
        ignore_conflicts=True,
    )
