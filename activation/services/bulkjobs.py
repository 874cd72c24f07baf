"""Bulk actions on a selection of users, run as jobs (issue 14, "Bulk actions", "Heavy work as
background jobs with progress").

A job (``BulkJob``) holds one item per selected user (``BulkJobItem``). It is created as a draft
from a selection, confirmed with the action's extra fields (a reason, a role, a group, a right),
and then run: at once in the request when it has at most ``RUN_NOW_MAX`` users, else by the task
``activation.tasks.bulk_job_task``.

Exactly once: the job is processed in chunks of ``CHUNK`` users; each chunk is one transaction
that locks the job's row (``SELECT … FOR UPDATE``), takes the next items not yet done, carries out
the action for each user through the service that does it one by one (so its rules and its audit
apply), marks each item done with its outcome and moves the job's count and heartbeat. A worker
killed in a chunk loses that chunk's transaction only – the users' changes, their audit events
and outbox emails with it – and two runs of one job at the same time take turns on the row lock,
each chunk seeing only what the other left undone. ``bulk_jobs_resume`` (a periodic job) enqueues
again every queued or running job whose heartbeat is older than ``STALE_AFTER``.

The bulk activation (``ACTIVATE``) starts each chunk's users in one call of
``users_activation_start`` without its audit, and adds up what it did in the job's parameters
(``UNAUDITED``, saved with the chunk); the audit pair of the in-request activation is written
once, for the whole job, in the transaction that ends it, so a chunk lost with its worker leaves
no record behind and the resumed run writes the pair exactly once. A job stopped by an error
records what it did before the stop (``bulk_job_fail``), and *Genoptag* then the rest.

Each action handles ONE user and returns nothing when it did its work; ``Skip`` says the action
does not apply to the user (the reason is shown on the receipt); a ``RuleError`` of the service is
"skipped" when its code means the same (``_SKIP_CODES``), else "failed" with its message.
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activation import emails
from activation.models import BulkJob, BulkJobItem, Invitation
from activation.services.invitations import invitation_cancel, invitation_resend
from activation.services.lifecycle import user_close
from activation.services.start import (
    TOKEN_PURPOSE,
    activation_means_check,
    users_activation_audit,
    users_activation_start,
)
from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.bulk import BulkInserter
from mitid_portal.errors import RuleError
from organisations.models import Organisation, PublicService, RoleGrant, UserGroup
from organisations.services.rights import (
    GRANTERS,
    right_grant,
    right_remove,
    user_group_member_add,
    user_group_member_remove,
)
from organisations.services.roles import ORG_ADMIN, role_grant, role_remove
from users.models import User
from users.services.lifecycle import user_reactivate, user_suspend

logger = logging.getLogger(__name__)

CHUNK = 200  # users per transaction
RUN_NOW_MAX = 500  # at most this many users are done in the request; more go to the task
STALE_AFTER = datetime.timedelta(minutes=2)
ACTOR_KEY = "actor_id"  # in the job's parameters: the administrator the job acts as
_INSERT_CHUNK = 2000
ACTIVATE = "activate"  # the bulk activation (G4) above the threshold
# In an activation job's parameters: what its chunks did that no audit record covers yet.
UNAUDITED = "unaudited"

# Codes of the services' RuleErrors that mean "the action does not apply to this user".
_SKIP_CODES = {
    "not_active",
    "not_suspended",
    "closed",
    "no_invitation",
    "not_live",
    "has_role",
    "no_role",
    "member",
    "not_member",
    "has_right",
    "no_right",
    "transition",
}


class Skip(Exception):
    """The action does not apply to the user; ``reason`` says why (Danish, shown as is)."""

    def __init__(self, reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Context:
    """What an action needs beside the user: the job's organisation, parameters and actor, and
    the request when the job runs in one (for the audit's address)."""

    job: BulkJob
    actor: User
    request: HttpRequest | None = None
    cache: dict = field(default_factory=dict)

    @property
    def parameters(self) -> dict:
        return self.job.parameters

    def group(self) -> UserGroup:
        if "group" not in self.cache:
            self.cache["group"] = UserGroup.objects.get(
                pk=self.parameters["group"], organisation=self.job.organisation_id
            )
        return self.cache["group"]

    def service(self) -> PublicService:
        if "service" not in self.cache:
            self.cache["service"] = PublicService.objects.get(pk=self.parameters["service"])
        return self.cache["service"]


@dataclass(frozen=True)
class BulkAction:
    code: str
    label: Promise  # the action's name in the lists' menu and on the receipt
    description: Promise  # what happens, one sentence for the confirm page
    run: Callable[[User, Context], None]
    extra: str = ""  # the confirm page's extra field: "", "reason", "role", "group", "service"
    roles: tuple[str, ...] = (ORG_ADMIN, RoleGrant.Role.USER_ADMIN)  # who may choose it


# --- The actions, one user each -------------------------------------------------------------


def _live_invitation(user: User) -> Invitation:
    invitation = (
        Invitation.objects.select_related("user", "organisation")
        .filter(user=user, organisation=user.organisation_id, state=Invitation.State.LIVE)
        .first()
    )
    if invitation is None:
        if user.state == User.State.ACTIVE:
            raise Skip(_("Brugeren er allerede aktiv."))
        raise Skip(_("Brugeren afventer ikke aktivering."))
    return invitation


def _resend(user: User, ctx: Context) -> None:
    invitation_resend(invitation=_live_invitation(user), actor=ctx.actor, request=ctx.request)


def _remind(user: User, ctx: Context) -> None:
    """A reminder of the live invitation, now: a fresh link to the same invitation (same expiry,
    same code; the earlier link stops working, as the reminder email says)."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=_live_invitation(user).pk, state=Invitation.State.LIVE)
        .select_related("user", "organisation")
        .first()
    )
    if invitation is None:  # pragma: no cover - replaced in between
        raise Skip(_("Brugeren afventer ikke aktivering."))
    if invitation.expires_at <= timezone.now():
        # A reminder keeps the link's expiry: an expired link needs a new one instead.
        raise Skip(_("Linket er udløbet. Send et nyt link i stedet."))
    if not user.email:
        raise Skip(_("Brugeren har ingen e-mailadresse."))
    token = crypto.random_token()
    token_hash = crypto.keyed_hash(token, purpose=TOKEN_PURPOSE)
    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=token_hash, reminded_at=timezone.now()
    )
    emails.activation_reminder(
        invitation=invitation,
        token=token,
        event_key=f"activation-reminder-{invitation.pk}-{token_hash[:16]}",
    )
    audit_record(
        action="activation_reminder_sent",
        actor_name=ctx.actor.full_name,
        actor_user=ctx.actor,
        organisation=invitation.organisation,
        target=user.full_name,
        changes={"expires_at": invitation.expires_at.date().isoformat()},
        request=ctx.request,
    )


def _cancel(user: User, ctx: Context) -> None:
    invitation_cancel(invitation=_live_invitation(user), actor=ctx.actor, request=ctx.request)


def _suspend(user: User, ctx: Context) -> None:
    if user.state == User.State.SUSPENDED:
        raise Skip(_("Brugeren er allerede suspenderet."))
    user_suspend(user=user, reason=ctx.parameters["reason"], actor=ctx.actor, request=ctx.request)


def _reactivate(user: User, ctx: Context) -> None:
    if user.state == User.State.ACTIVE:
        raise Skip(_("Brugeren er allerede aktiv."))
    user_reactivate(user=user, actor=ctx.actor, request=ctx.request)


def _close(user: User, ctx: Context) -> None:
    if user.state == User.State.CLOSED:
        raise Skip(_("Brugeren er allerede lukket."))
    user_close(user=user, reason=ctx.parameters["reason"], actor=ctx.actor, request=ctx.request)


def _role_add(user: User, ctx: Context) -> None:
    role_grant(
        organisation=ctx.job.organisation,
        user=user,
        role=ctx.parameters["role"],
        actor=ctx.actor,
        request=ctx.request,
    )


def _role_remove(user: User, ctx: Context) -> None:
    role_remove(
        organisation=ctx.job.organisation,
        user=user,
        role=ctx.parameters["role"],
        actor=ctx.actor,
        request=ctx.request,
    )


def _group_add(user: User, ctx: Context) -> None:
    user_group_member_add(group=ctx.group(), user=user, actor=ctx.actor, request=ctx.request)


def _group_remove(user: User, ctx: Context) -> None:
    user_group_member_remove(group=ctx.group(), user=user, actor=ctx.actor, request=ctx.request)


def _right_add(user: User, ctx: Context) -> None:
    right_grant(user=user, service=ctx.service(), actor=ctx.actor, request=ctx.request)


def _right_remove(user: User, ctx: Context) -> None:
    right_remove(user=user, service=ctx.service(), actor=ctx.actor, request=ctx.request)


def _activate(user: User, ctx: Context) -> None:  # pragma: no cover - done a chunk at a time
    raise NotImplementedError


_ADMINS = (ORG_ADMIN, RoleGrant.Role.USER_ADMIN)
_ACTIONS = [
    BulkAction(
        "resend",
        _("Send nyt aktiveringslink"),
        _(
            "Hver bruger, der afventer aktivering, får en e-mail med et nyt aktiveringslink, der "
            "er gyldigt i 30 dage. Det tidligere link holder op med at virke."
        ),
        _resend,
    ),
    BulkAction(
        "remind",
        _("Send påmindelse"),
        _(
            "Hver bruger, der afventer aktivering, får en påmindelse med et nyt link til den "
            "samme aktivering. Det tidligere link holder op med at virke."
        ),
        _remind,
    ),
    BulkAction(
        "cancel",
        _("Annullér aktivering"),
        _(
            "Aktiveringen stopper: linket og koden holder op med at virke, og brugerne står igen "
            "under Importerede brugere."
        ),
        _cancel,
    ),
    BulkAction(
        "suspend",
        _("Suspendér"),
        _("Hver aktiv bruger suspenderes og kan ikke længere logge ind."),
        _suspend,
        extra="reason",
    ),
    BulkAction(
        "reactivate",
        _("Genaktivér"),
        _("Hver suspenderet bruger kan igen logge ind med de identifikationsmidler, de havde."),
        _reactivate,
    ),
    BulkAction(
        "close",
        _("Luk brugere"),
        _(
            "Brugerne lukkes for altid: de og deres identifikationsmidler kan ikke længere logge "
            "ind, og deres roller fjernes. Det kan ikke fortrydes."
        ),
        _close,
        extra="reason",
    ),
    BulkAction(
        "role_add",
        _("Tildel rolle"),
        _("Hver bruger får den valgte rolle."),
        _role_add,
        extra="role",
        roles=(ORG_ADMIN,),
    ),
    BulkAction(
        "role_remove",
        _("Fjern rolle"),
        _("Den valgte rolle fjernes fra hver bruger, der har den."),
        _role_remove,
        extra="role",
        roles=(ORG_ADMIN,),
    ),
    BulkAction(
        "group_add",
        _("Føj til brugergruppe"),
        _("Hver bruger bliver medlem af den valgte brugergruppe og får dens rettigheder."),
        _group_add,
        extra="group",
        roles=GRANTERS,
    ),
    BulkAction(
        "group_remove",
        _("Fjern fra brugergruppe"),
        _("Hver bruger tages ud af den valgte brugergruppe og mister de rettigheder, den gav."),
        _group_remove,
        extra="group",
        roles=GRANTERS,
    ),
    BulkAction(
        "right_add",
        _("Tildel rettighed"),
        _("Hver bruger får den valgte rettighed."),
        _right_add,
        extra="service",
        roles=GRANTERS,
    ),
    BulkAction(
        "right_remove",
        _("Fjern rettighed"),
        _("Den valgte rettighed fjernes fra hver bruger, der har den direkte."),
        _right_remove,
        extra="service",
        roles=GRANTERS,
    ),
]
BULK_ACTIONS: dict[str, BulkAction] = {action.code: action for action in _ACTIONS}
# The bulk activation's job (G4 above the threshold): not offered in the lists' menu.
ACTIVATE_ACTION = BulkAction(
    ACTIVATE,
    _("Aktivér brugere"),
    _(
        "Hver bruger får en e-mail med et aktiveringslink, der er gyldigt i 30 dage. Brugerne "
        "flyttes fra Importerede brugere til Brugere med status Afventer aktivering."
    ),
    _activate,
)


def bulk_action_of(code: str) -> BulkAction | None:
    if code == ACTIVATE:
        return ACTIVATE_ACTION
    return BULK_ACTIONS.get(code)


def bulk_actions_for(roles: Iterable[str]) -> list[BulkAction]:
    """The actions a holder of ``roles`` may choose, in menu order."""
    held = set(roles)
    return [action for action in _ACTIONS if held & set(action.roles)]


# --- Creating and confirming a job ----------------------------------------------------------


def _items_insert(job: BulkJob, user_ids: Iterable[int]) -> int:
    inserter = BulkInserter(
        BulkJobItem, template=BulkJobItem(job=job, sandbox_id=job.sandbox_id), varying=("user_id",)
    )
    total = 0
    batch: list[tuple[int]] = []
    for user_id in user_ids:
        batch.append((user_id,))
        if len(batch) >= _INSERT_CHUNK:
            inserter.insert(batch)
            total += len(batch)
            batch = []
    if batch:
        inserter.insert(batch)
        total += len(batch)
    return total


@transaction.atomic
def bulk_job_create(
    *,
    organisation: Organisation,
    action: str,
    users: QuerySet[User],
    actor: User,
    source: str = "",
    parameters: dict | None = None,
) -> BulkJob:
    """A draft job of ``action`` with one item per user of ``users`` (the caller has checked that
    they are the organisation's; they are filtered on it again here). Nothing is done to the
    users until the job is confirmed. ``RuleError("empty")`` when the selection is empty. The
    bulk activation's means are checked here as the activation in the request checks them
    (``RuleError("means")``, no job), and kept in the guide's order."""
    if bulk_action_of(action) is None:
        raise RuleError("action", _("Vælg en handling."))
    parameters = dict(parameters or {})
    if action == ACTIVATE:
        parameters["means"] = activation_means_check(
            organisation=organisation, means=parameters.get("means") or []
        )
    job = BulkJob.objects.create(
        organisation=organisation,
        action=action,
        source=source,
        parameters=parameters,
        created_by=actor,
        created_by_name=(actor.full_name or actor.get_username())[:200],
    )
    ids = (
        users.filter(organisation=organisation)
        .values_list("pk", flat=True)
        .iterator(chunk_size=_INSERT_CHUNK)
    )
    total = _items_insert(job, ids)
    if not total:
        raise RuleError("empty", _("Der er ikke valgt nogen brugere."))
    BulkJob.objects.filter(pk=job.pk).update(total=total)
    job.total = total
    return job


@transaction.atomic
def bulk_job_confirm(*, job: BulkJob, parameters: dict, actor: User, request=None) -> bool:
    """The administrator confirms a draft job with the action's extra fields: it is queued, and
    the start is one audit event (each user's act is audited again by its own service).
    Returns False when it was confirmed before (a double click: nothing happens twice)."""
    locked = BulkJob.objects.select_for_update().get(pk=job.pk)
    if locked.state != BulkJob.State.DRAFT:
        return False
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk).update(
        state=BulkJob.State.QUEUED,
        parameters={**locked.parameters, **parameters, ACTOR_KEY: actor.pk},
        heartbeat_at=now,
    )
    job.refresh_from_db()
    audit_record(
        action="bulk_job_started",
        actor_name=actor.full_name or actor.get_username(),
        actor_user=actor,
        organisation=job.organisation,
        target=f"{job.total} brugere",
        changes=_started_changes(job, parameters),
        request=request,
    )
    return True


def _started_changes(job: BulkJob, parameters: dict) -> dict:
    """The start's audit details: the action by its Danish name (the Revisionslog translates it
    for the reader, as it does a role's), how many users, the job, and the choice made."""
    action = bulk_action_of(job.action)
    with translation.override("da"):
        label = str(action.label) if action is not None else job.action
    changes = {"massehandling": label, "count": job.total, "job": job.pk}
    for key, name in (("reason", "reason"), ("role", "role")):
        if parameters.get(key):
            changes[name] = parameters[key]
    if parameters.get("group_name"):
        changes["gruppe"] = parameters["group_name"]
    if parameters.get("service_name"):
        changes["tjeneste"] = parameters["service_name"]
    return changes


def bulk_job_error(exc: Exception) -> str:
    """What the receipt says of an error that stopped a job: a rule's own message, else only the
    kind of error (the details are in the log)."""
    return str(exc.message) if isinstance(exc, RuleError) else type(exc).__name__


def bulk_job_runs_now(job: BulkJob) -> bool:
    return job.total <= RUN_NOW_MAX


# --- Running a job --------------------------------------------------------------------------


def _outcome(run: Callable[[], None], ctx: Context) -> tuple[str, str]:
    try:
        with transaction.atomic():
            run()
    except Skip as exc:
        return BulkJobItem.Outcome.SKIPPED, str(exc.reason)
    except RuleError as exc:
        outcome = (
            BulkJobItem.Outcome.SKIPPED if exc.code in _SKIP_CODES else BulkJobItem.Outcome.FAILED
        )
        return outcome, str(exc.message)
    except PermissionDenied:
        # The service's record of the refusal went with the savepoint: recorded again here.
        audit_record(
            action="permission_denied",
            actor_name=ctx.actor.full_name or ctx.actor.get_username(),
            actor_user=ctx.actor,
            organisation=ctx.job.organisation,
            target=ctx.job.action,
            changes={"handling": ctx.job.action},
            request=ctx.request,
        )
        return BulkJobItem.Outcome.FAILED, gettext("Du har ikke adgang til at udføre handlingen.")
    return BulkJobItem.Outcome.OK, ""


# What ``UNAUDITED`` holds when every user started so far is in an audit record.
_NOTHING_UNAUDITED = {
    "count": 0,
    "with_code": 0,
    "without_email": 0,
    "rights_added": 0,
    "first_name": "",
}


def _activate_chunk(job: BulkJob, items: list[BulkJobItem], ctx: Context) -> None:
    """The bulk activation, one chunk: the users still imported start their activation in one
    call of ``users_activation_start``; the others are skipped. The call's audit is left to the
    end of the job (``_activation_audit``): what it did is added to the job's ``UNAUDITED``."""
    imported = list(
        User.objects.select_for_update()
        .filter(
            pk__in=[item.user_id for item in items],
            organisation=job.organisation_id,
            state=User.State.IMPORTED,
        )
        .order_by("pk")
    )
    started: set[int] = set()
    if imported:
        invitations = users_activation_start(
            organisation=job.organisation,
            users=imported,
            means=job.parameters["means"],
            actor=ctx.actor,
            request=ctx.request,
            audit=False,
        )
        # All or nothing: every user locked as imported has started (else it raised).
        started = {user.pk for user in imported}
        job.parameters["with_code"] = job.parameters.get("with_code", 0) + invitations.with_code
        unaudited = {**_NOTHING_UNAUDITED, **job.parameters.get(UNAUDITED, {})}
        job.parameters[UNAUDITED] = {
            "count": unaudited["count"] + invitations.count,
            "with_code": unaudited["with_code"] + invitations.with_code,
            "without_email": unaudited["without_email"] + invitations.without_email,
            "rights_added": unaudited["rights_added"] + invitations.rights_added,
            "first_name": unaudited["first_name"] or invitations.first_name,
        }
    for item in items:
        if item.user_id in started:
            item.outcome, item.reason = BulkJobItem.Outcome.OK, ""
        else:
            item.outcome = BulkJobItem.Outcome.SKIPPED
            item.reason = gettext("Aktiveringen er allerede startet for brugeren.")


def _unaudited_count(job: BulkJob) -> int:
    if job.action != ACTIVATE:
        return 0
    return int(job.parameters.get(UNAUDITED, {}).get("count", 0))


def _activation_audit(
    job: BulkJob, actor: User | None, request=None, *, actor_name: str = ""
) -> None:
    """The audit pair of the activation job's users that no record covers yet, as the activation
    in the request writes it (``users_activation_audit``), with the job's number; then nothing
    is left uncovered in ``job.parameters`` (the caller saves them in the same transaction)."""
    unaudited = {**_NOTHING_UNAUDITED, **job.parameters.get(UNAUDITED, {})}
    if not unaudited["count"]:
        return
    users_activation_audit(
        organisation=job.organisation,
        count=unaudited["count"],
        means=job.parameters["means"],
        with_code=unaudited["with_code"],
        without_email=unaudited["without_email"],
        rights_added=unaudited["rights_added"],
        first_name=unaudited["first_name"],
        actor=actor,
        extra={"job": job.pk},
        request=request,
        actor_name=actor_name,
    )
    job.parameters[UNAUDITED] = dict(_NOTHING_UNAUDITED)


def _job_actor(job: BulkJob, actor: User | None) -> User:
    """The administrator the job acts as: who confirmed it (or resumed it last)."""
    actor_id = job.parameters.get(ACTOR_KEY, job.created_by_id)
    if actor is None or actor.pk != actor_id:
        actor = User.objects.filter(pk=actor_id).first()
        if actor is None:
            raise RuleError("no_actor", _("Brugeren, der startede handlingen, findes ikke."))
    return actor


def bulk_job_chunk(*, job_id: int, actor: User | None = None, request=None) -> bool:
    """Process the next chunk of the job in one transaction; returns whether there may be more.
    The job's row is locked first, so two runs of one job never process an item twice."""
    with transaction.atomic():
        job = (
            BulkJob.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=job_id)
        )
        if job.state not in (BulkJob.State.QUEUED, BulkJob.State.RUNNING):
            return False
        items = list(
            BulkJobItem.objects.filter(job=job, done=False)
            .select_related("user", "user__organisation")
            .order_by("pk")[:CHUNK]
        )
        now = timezone.now()
        if not items:
            if _unaudited_count(job):
                _activation_audit(job, _job_actor(job, actor), request)
            BulkJob.objects.filter(pk=job.pk).update(
                state=BulkJob.State.DONE,
                finished_at=now,
                heartbeat_at=now,
                parameters=job.parameters,
            )
            return False
        # The job acts as the administrator who confirmed it (or resumed it last): their roles are
        # checked by the services, and the audit names them.
        actor = _job_actor(job, actor)
        ctx = Context(job=job, actor=actor, request=request)
        if job.action == ACTIVATE:
            _activate_chunk(job, items, ctx)
        else:
            action = BULK_ACTIONS[job.action]
            for item in items:
                item.outcome, item.reason = _outcome(
                    lambda user=item.user: action.run(user, ctx),  # type: ignore[misc]
                    ctx,
                )
        for item in items:
            item.done, item.done_at = True, now
        BulkJobItem.objects.bulk_update(items, ["done", "outcome", "reason", "done_at"])
        processed = job.processed + len(items)
        finished = len(items) < CHUNK or processed >= job.total
        if finished and job.action == ACTIVATE:
            _activation_audit(job, actor, request)  # once, for the whole job
        BulkJob.objects.filter(pk=job.pk).update(
            state=BulkJob.State.DONE if finished else BulkJob.State.RUNNING,
            processed=processed,
            parameters=job.parameters,
            started_at=job.started_at or now,
            heartbeat_at=now,
            finished_at=now if finished else None,
        )
        return not finished


def bulk_job_run(*, job_id: int, actor: User | None = None, request=None) -> None:
    """Run the job to its end, a chunk per transaction (in the request or in the task)."""
    while bulk_job_chunk(job_id=job_id, actor=actor, request=request):
        pass


@transaction.atomic
def bulk_job_fail(*, job_id: int, error: str, request=None) -> None:
    """An unexpected error stopped the job; the items done so far stay done. A bulk activation
    records the users it started before the stop (it may never be resumed), as the administrator
    the job acted as (by name, if their user is gone); *Genoptag* records the rest when the job
    ends."""
    job = (
        BulkJob.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=job_id, state__in=[BulkJob.State.QUEUED, BulkJob.State.RUNNING])
        .first()
    )
    if job is None:
        return
    if _unaudited_count(job):
        actor_id = job.parameters.get(ACTOR_KEY, job.created_by_id)
        _activation_audit(
            job,
            User.objects.filter(pk=actor_id).first(),
            request,
            actor_name=job.created_by_name,
        )
    BulkJob.objects.filter(pk=job.pk).update(
        state=BulkJob.State.FAILED,
        error=error[:2000],
        finished_at=timezone.now(),
        parameters=job.parameters,
    )


@transaction.atomic
def bulk_job_retry(*, job: BulkJob, actor: User, request=None) -> bool:
    """*Genoptag*: a job stopped by an error is queued again, now acting as ``actor`` (who must
    hold a role the action needs: the caller checks it); the users already processed stay
    processed (their items are done), the rest are taken. Returns False when it had not failed."""
    locked = BulkJob.objects.select_for_update().get(pk=job.pk)
    if locked.state != BulkJob.State.FAILED:
        return False
    BulkJob.objects.filter(pk=job.pk).update(
        state=BulkJob.State.QUEUED,
        error="",
        finished_at=None,
        heartbeat_at=timezone.now(),
        parameters={**locked.parameters, ACTOR_KEY: actor.pk},
    )
    job.refresh_from_db()
    audit_record(
        action="bulk_job_resumed",
        actor_name=actor.full_name or actor.get_username(),
        actor_user=actor,
        organisation=job.organisation,
        target=f"{job.total - job.processed} brugere",
        changes={"job": job.pk, "count": job.total - job.processed},
        request=request,
    )
    return True


def bulk_jobs_stale(*, now: datetime.datetime | None = None) -> list[int]:
    """Claim the queued or running jobs whose heartbeat is older than ``STALE_AFTER`` (a worker
    died, or the request that ran it ended), moving their heartbeat to now in one conditional
    UPDATE each, so that two workers never both take one up; returns their ids."""
    now = now or timezone.now()
    limit = now - STALE_AFTER
    candidates = BulkJob.objects.filter(
        state__in=[BulkJob.State.QUEUED, BulkJob.State.RUNNING], heartbeat_at__lt=limit
    ).values_list("pk", flat=True)
    claimed = []
    for pk in list(candidates):
        if BulkJob.objects.filter(pk=pk, heartbeat_at__lt=limit).update(heartbeat_at=now):
            claimed.append(pk)
    return claimed
