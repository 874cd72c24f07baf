"""The life of a user after the import (DESIGN.md "Administration"): the transition table
(``TRANSITIONS``) and the one service every change of a user's state goes through
(``user_state_change``, ``users_state_change_bulk``); edit with a confirmed email, suspend (the
user's sessions end), reactivate, and the user's part of close (activation's
``activation.services.lifecycle.user_close`` also removes the means and stops the activation).

Every act is audited with who did it; concurrent edits are caught by comparing the version the
administrator saw with the row as it is now (optimistic concurrency, nothing silently lost).
"""

import datetime
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import Field, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.identity import BLOCKED_STATES, UserState
from organisations.models import RoleGrant
from organisations.selectors import roles_of
from users import emails
from users.models import User
from users.sessions import UserSession

EMAIL_TOKEN_PURPOSE = "user-email-change"  # noqa: S105 - a hash purpose, not a secret
EMAIL_CONFIRM_LIFETIME = datetime.timedelta(days=7)
# A token is 43 URL-safe characters; anything much longer is not worth hashing.
_MAX_TOKEN_LENGTH = 200

# Before activation the administrator corrects the data (G5.5) and the activation link itself
# proves the address; once the user has activated, a new address must be confirmed by the user.
_EMAIL_NEEDS_CONFIRMATION = (User.State.ACTIVE, User.State.SUSPENDED)

STALE = "stale"
STALE_MESSAGE = _(
    "Brugeren er ændret af en anden i mellemtiden. Se de nye oplysninger og prøv igen."
)

# Why an email confirmation link cannot be used.
LINK_UNKNOWN = "unknown"
LINK_EXPIRED = "expired"


def _actor_name(actor) -> str:
    return (actor.full_name or actor.get_username())[:200]


def user_version(user: User) -> str:
    """A fingerprint of what the edit form shows and the state; any change by anyone – another
    administrator, a service that writes with UPDATE – gives another version."""
    values = [
        user.state,
        user.first_name,
        user.last_name,
        user.email,
        user.phone,
        user.pending_email,
    ]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:32]


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk, organisation=user.organisation_id)


def _check_version(user: User, version: str) -> None:
    if not hmac.compare_digest(user_version(user), version or ""):
        raise RuleError(STALE, STALE_MESSAGE)


def _audit(*, action: str, user: User, actor, request, changes: dict | None = None) -> None:
    audit_record(
        action=action,
        actor_name=_actor_name(actor),
        actor_user=actor,
        organisation=user.organisation,
        target=user.full_name or user.get_username(),
        changes=changes or {},
        request=request,
    )


# The transition table: every move of a user between states the portal makes, and the audit
# action ``user_state_change`` records for it (a caller that records a richer event of its own
# passes ``audit=False``). A move that is not here is refused with ``RuleError("transition")``;
# staying in the same state is not a move. The database backs the vocabulary (a check constraint
# on ``users_user.state``); this table backs the moves.
_S = UserState
TRANSITIONS: dict[tuple[UserState, UserState], str] = {
    # The activation starts: the bulk start and Opret bruger/Masseopret (G4.2–G4.5, G5.6), and
    # the organisation administrator appointed with a setup link (G3.1).
    (_S.IMPORTED, _S.AWAITING): "users_activation_started",
    # *Annullér* on the activation: the user is back under *Importerede brugere*.
    (_S.AWAITING, _S.IMPORTED): "activation_cancelled",
    # The employee activates with private MitID or a separate MitID Erhverv means; the appointed
    # organisation administrator follows the setup link.
    (_S.AWAITING, _S.ACTIVE): "user_activated",
    # The private-MitID journey has always accepted a live invitation of a user still imported.
    (_S.IMPORTED, _S.ACTIVE): "user_activated",
    (_S.ACTIVE, _S.SUSPENDED): "user_suspended",
    (_S.SUSPENDED, _S.ACTIVE): "user_reactivated",
    # *Luk bruger*, from any state but closed; closed is for good.
    (_S.IMPORTED, _S.CLOSED): "user_closed",
    (_S.AWAITING, _S.CLOSED): "user_closed",
    (_S.ACTIVE, _S.CLOSED): "user_closed",
    (_S.SUSPENDED, _S.CLOSED): "user_closed",
}
TRANSITION = "transition"


def transition_allowed(*, source: UserState | str, to: UserState | str) -> bool:
    return (UserState(source), UserState(to)) in TRANSITIONS


def _transition_check(*, source: UserState | str, to: UserState | str) -> None:
    if not transition_allowed(source=source, to=to):
        raise RuleError(
            TRANSITION,
            _("En bruger med status %(source)s kan ikke få status %(to)s.")
            % {"source": UserState(source).label, "to": UserState(to).label},
        )


@transaction.atomic
def user_state_change(
    *,
    user: User,
    to: UserState,
    actor=None,
    actor_name: str = "",
    request=None,
    reason: str = "",
    fields: dict | None = None,
    audit: bool = True,
    changes: dict | None = None,
) -> User:
    """Move one user to the state ``to``: the only way a user's state is written.

    The row is locked and the move checked against ``TRANSITIONS`` (``RuleError("transition")``
    when it is not allowed). The state and any extra ``fields`` (``uses_private_mitid``, ``means``,
    ``is_active``, ``cpr``…) are written in one save; the instance passed in sees them too. A move
    to a blocked state (suspended, closed) ends the user's sessions at once. With ``audit`` the
    table's action is recorded with the state before and after, the ``reason``, the caller's
    ``changes`` and the number of sessions ended; a caller that records its own event passes
    ``audit=False``. Returns the locked row."""
    fields = dict(fields or {})
    if "state" in fields:
        raise ValueError("the state is the argument 'to', not a field")
    locked = User.objects.select_for_update().get(pk=user.pk)
    before = UserState(locked.state)
    _transition_check(source=before, to=to)
    locked.state = to
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["state", *fields])
    if locked is not user:
        user.state = to
        for name in fields:
            setattr(user, name, getattr(locked, name))
        if "bruger_id" in fields:
            user.bruger_id_key = locked.bruger_id_key
    ended = user_sessions_end(user_id=locked.pk) if to in BLOCKED_STATES else None
    if audit:
        details: dict = {"state": {"before": before, "after": to}}
        if reason:
            details["reason"] = reason[:500]
        details.update(changes or {})
        if ended is not None:
            details["sessions_ended"] = ended
        audit_record(
            action=TRANSITIONS[(before, UserState(to))],
            actor_name=actor_name or (_actor_name(actor) if actor is not None else ""),
            actor_user=actor,
            organisation=locked.organisation,
            target=locked.full_name or locked.get_username(),
            changes=details,
            request=request,
        )
    return locked


def _concrete(name: str) -> Field:
    field = User._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _column(field: Field | None) -> str:
    assert field is not None and field.column is not None
    return field.column


def users_state_change_bulk(
    *,
    queryset: QuerySet[User] | None = None,
    ids: Sequence[int] | None = None,
    source: UserState,
    to: UserState,
    fields: dict | None = None,
) -> int:
    """Move every user of ``queryset`` (or with a primary key in ``ids``) that is in ``source``
    to ``to`` in one UPDATE … WHERE state = source (the bulk activation start moves 50,000 users
    this way, a chunk of ids per statement); users in any other state are left as they are. The
    move must be in ``TRANSITIONS``. No audit: the caller records one event for the whole act.
    Returns the number of users moved.

    ``ids`` (at most a few thousand, below SQLite's limit of bound variables) are bound as they
    are, without the ORM's per-value preparation of an ``__in`` lookup (a second per 50,000), and
    only the state and the given fields are written."""
    _transition_check(source=source, to=to)
    fields = dict(fields or {})
    if "state" in fields:
        raise ValueError("the state is the argument 'to', not a field")
    if (queryset is None) == (ids is None):
        raise ValueError("give either queryset or ids")
    if queryset is not None:
        return queryset.filter(state=source).update(state=to, **fields)
    if not ids:
        return 0
    connection = connections[router.db_for_write(User)]
    q = connection.ops.quote_name
    columns = [_concrete("state"), *(_concrete(name) for name in fields)]
    values = [str(to), *fields.values()]
    params = [
        f.get_db_prep_save(value, connection=connection)
        for f, value in zip(columns, values, strict=True)
    ]
    # Only names from the model (quoted) go into the text; every value is a parameter.
    # PostgreSQL: the ids as one array parameter (= ANY), not thousands of placeholders that
    # the driver parses per statement.
    postgres = connection.vendor == "postgresql"
    sql = "UPDATE {} SET {} WHERE {} {} AND {} = %s".format(  # noqa: S608
        q(User._meta.db_table),
        ", ".join(f"{q(_column(f))} = %s" for f in columns),
        q(_column(User._meta.pk)),
        "= ANY(%s)" if postgres else f"IN ({', '.join(['%s'] * len(ids))})",
        q(_column(_concrete("state"))),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *([list(ids)] if postgres else ids), str(source)])
        return max(cursor.rowcount, 0)


def user_sessions_end(*, user_id: int) -> int:
    """Delete every live database session signed in as the user, so their next request is
    anonymous in whichever process serves it: one DELETE by the sessions' indexed user column
    (``users.sessions``), however many other sessions there are. The blocked-session middleware is
    the second line. Returns the number of sessions ended (expired ones are clearsessions')."""
    live = UserSession.objects.filter(user_id=user_id, expire_date__gt=timezone.now())
    ended, _by_model = live.delete()
    return ended


@dataclass(frozen=True)
class EditResult:
    user: User
    changed: list[str]
    email_pending: bool


@transaction.atomic
def user_edit(
    *,
    user: User,
    version: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    actor,
    request=None,
) -> EditResult:
    """*Redigér* on *Brugerinformation*: correct name, email and mobile number. ``version`` is
    what the administrator saw; if the user changed since, nothing is saved and the administrator
    is told. A new email of an activated user is only requested: a confirmation link (7 days) goes
    to the new address, and the email changes when the user follows it."""
    user = _locked(user)
    _check_version(user, version)
    if user.state == User.State.CLOSED:
        raise RuleError("closed", _("Brugeren er lukket og kan ikke redigeres."))
    direct = {"first_name": first_name, "last_name": last_name, "phone": phone}
    email_pending = False
    if email != user.email:
        if email and user.state in _EMAIL_NEEDS_CONFIRMATION:
            email_pending = email != user.pending_email
        else:
            direct["email"] = email
    changes = {
        name: {"before": getattr(user, name), "after": value}
        for name, value in direct.items()
        if getattr(user, name) != value
    }
    for name, value in direct.items():
        setattr(user, name, value)
    update_fields = list(changes)
    if "email" in changes and user.pending_email:
        # The administrator set the address directly; an older request is void.
        user.pending_email, user.pending_email_token_hash, user.pending_email_expires_at = (
            "",
            "",
            None,
        )
        update_fields += ["pending_email", "pending_email_token_hash", "pending_email_expires_at"]
    token = None
    if email_pending:
        token = crypto.random_token()
        user.pending_email = email
        user.pending_email_token_hash = crypto.keyed_hash(token, purpose=EMAIL_TOKEN_PURPOSE)
        user.pending_email_expires_at = timezone.now() + EMAIL_CONFIRM_LIFETIME
        update_fields += ["pending_email", "pending_email_token_hash", "pending_email_expires_at"]
    if not update_fields:
        return EditResult(user=user, changed=[], email_pending=False)
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=update_fields)
    if changes:
        _audit(action="user_updated", user=user, actor=actor, request=request, changes=changes)
    if token is not None:
        emails.user_email_confirm(to=email, user=user, token=token)
        _audit(
            action="user_email_change_requested",
            user=user,
            actor=actor,
            request=request,
            changes={"email": {"before": user.email, "after": email}},
        )
    return EditResult(user=user, changed=list(changes), email_pending=email_pending)


def user_by_email_token(*, token: str) -> tuple[User | None, str | None]:
    """The user whose email confirmation link carries ``token``, and why it cannot be used
    (unknown or expired), or None when it can."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None, LINK_UNKNOWN
    user = (
        User.objects.select_related("organisation")
        .filter(pending_email_token_hash=crypto.keyed_hash(token, purpose=EMAIL_TOKEN_PURPOSE))
        .exclude(pending_email="")
        .exclude(state=User.State.CLOSED)
        .first()
    )
    if user is None:
        return None, LINK_UNKNOWN
    if user.pending_email_expires_at is None or timezone.now() >= user.pending_email_expires_at:
        return user, LINK_EXPIRED
    return user, None


@transaction.atomic
def user_email_confirm(*, token: str, request=None) -> User:
    """The user follows the link sent to their new address: the email changes, once."""
    found, problem = user_by_email_token(token=token)
    if problem is not None:
        raise RuleError(problem, _("Linket kan ikke bruges."))
    assert found is not None  # user_by_email_token names a missing user LINK_UNKNOWN
    user = User.objects.select_for_update().get(pk=found.pk)
    if user.pending_email_token_hash != found.pending_email_token_hash or not user.pending_email:
        raise RuleError(LINK_UNKNOWN, _("Linket kan ikke bruges."))
    before = user.email
    user.email = user.pending_email
    user.pending_email, user.pending_email_token_hash, user.pending_email_expires_at = "", "", None
    user.full_clean(exclude=["password", "username"])
    user.save(
        update_fields=[
            "email",
            "pending_email",
            "pending_email_token_hash",
            "pending_email_expires_at",
        ]
    )
    audit_record(
        action="user_email_confirmed",
        actor_name=user.full_name or user.get_username(),
        organisation=user.organisation,
        target=user.full_name,
        changes={"email": {"before": before, "after": user.email}},
        request=request,
    )
    return user


def _check_may_block(*, user: User, actor) -> None:
    """Nobody suspends or closes themselves; only an organisation administrator suspends or
    closes an administrator; the organisation never loses its last working organisation
    administrator (DESIGN.md "Administration": never fewer than one)."""
    if user.pk == actor.pk:
        raise RuleError("self", _("Du kan ikke suspendere eller lukke din egen bruger."))
    target_roles = set(user.role_grants.values_list("role", flat=True))
    if target_roles and RoleGrant.Role.ORGANISATION_ADMIN not in roles_of(user=actor):
        raise RuleError(
            "admin_target",
            _("Kun en organisationsadministrator kan suspendere eller lukke en administrator."),
        )
    if RoleGrant.Role.ORGANISATION_ADMIN in target_roles:
        others = (
            RoleGrant.objects.filter(
                organisation=user.organisation_id,
                role=RoleGrant.Role.ORGANISATION_ADMIN,
                user__is_active=True,
            )
            .exclude(user=user)
            .exclude(user__state__in=[User.State.SUSPENDED, User.State.CLOSED])
        )
        if not others.exists():
            raise RuleError(
                "last_admin",
                _(
                    "Brugeren er organisationens eneste organisationsadministrator. Udpeg en anden "
                    "organisationsadministrator først."
                ),
            )


@transaction.atomic
def user_suspend(*, user: User, reason: str, actor, version: str = "", request=None) -> User:
    """*Suspendér*: an active user can no longer log in and their sessions end at once; the
    audit says who suspended and why."""
    user = _locked(user)
    if version:
        _check_version(user, version)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("reason", _("Skriv en begrundelse."), field="reason")
    if user.state != User.State.ACTIVE:
        raise RuleError("not_active", _("Kun en aktiv bruger kan suspenderes."))
    _check_may_block(user=user, actor=actor)
    return user_state_change(
        user=user, to=User.State.SUSPENDED, actor=actor, request=request, reason=reason
    )


@transaction.atomic
def user_reactivate(*, user: User, actor, version: str = "", request=None) -> User:
    """*Genaktivér*: a suspended user may log in again with the means they had."""
    user = _locked(user)
    if version:
        _check_version(user, version)
    if user.state != User.State.SUSPENDED:
        raise RuleError("not_suspended", _("Kun en suspenderet bruger kan genaktiveres."))
    return user_state_change(user=user, to=User.State.ACTIVE, actor=actor, request=request)


@transaction.atomic
def user_account_close(
    *,
    user: User,
    reason: str,
    actor,
    version: str = "",
    request=None,
    details: dict | None = None,
) -> User:
    """*Luk bruger*, the user's part: for good. The user can no longer log in, a pending email
    change stops, their roles end and their sessions end; the row stays for the audit log.
    ``details`` are what the caller did alongside (activation removes the bound means and
    cancels the live invitation: ``activation.services.lifecycle.user_close``), recorded in the
    same audit event."""
    user = _locked(user)
    if version:
        _check_version(user, version)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("reason", _("Skriv en begrundelse."), field="reason")
    if user.state == User.State.CLOSED:
        raise RuleError("closed", _("Brugeren er allerede lukket."))
    _check_may_block(user=user, actor=actor)
    roles = sorted(user.role_grants.values_list("role", flat=True))
    RoleGrant.objects.filter(user=user).delete()
    return user_state_change(
        user=user,
        to=User.State.CLOSED,
        actor=actor,
        request=request,
        reason=reason,
        fields={
            "is_active": False,
            "pending_email": "",
            "pending_email_token_hash": "",
            "pending_email_expires_at": None,
        },
        changes={**(details or {}), "roles_removed": roles},
    )
