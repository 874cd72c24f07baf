"""The life of a user after the import (DESIGN.md "Administration"): edit with a confirmed email,
suspend (the user's sessions end), reactivate, close (the user and their means can no longer log
in; the row stays for the audit), and the activation acts offered on *Brugerinformation*.

Every act is audited with who did it; concurrent edits are caught by comparing the version the
administrator saw with the row as it is now (optimistic concurrency, nothing silently lost).
"""

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activation.models import BoundMeans, Invitation
from activation.services import activation_code_renew, invitation_resend
from mitid_portal import crypto
from mitid_portal.emails import email_queue
from mitid_portal.errors import RuleError
from organisations.audit import audit_record
from organisations.models import RoleGrant
from organisations.selectors import roles_of
from users.models import User

EMAIL_TOKEN_PURPOSE = "user-email-change"  # noqa: S105 - a hash purpose, not a secret
EMAIL_CONFIRM_LIFETIME = datetime.timedelta(days=7)
EMAIL_CONFIRM_TEMPLATE = "user_email_confirm"
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
    return User.objects.select_for_update().get(pk=user.pk, organisation_id=user.organisation_id)


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


def user_sessions_end(*, user_id: int) -> int:
    """Delete every database session signed in as the user, so their next request is anonymous
    in whichever process serves it. Sessions are scanned (they are keyed by a random key, not by
    user); the blocked-session middleware is the second line for any session this misses."""
    ended = []
    live = Session.objects.filter(expire_date__gt=timezone.now()).only(
        "session_key", "session_data"
    )
    for session in live.iterator(chunk_size=500):
        try:
            data = session.get_decoded()
        except Exception:  # noqa: BLE001, S112 - a corrupt session signs in no one
            continue
        if str(data.get("_auth_user_id", "")) == str(user_id):
            ended.append(session.session_key)
    if ended:
        Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


@dataclass(frozen=True)
class EditResult:
    user: User
    changed: list[str]
    email_pending: bool


def _email_confirm_link(token: str) -> str:
    return settings.PORTAL_BASE_URL + reverse("users:email_confirm_link", args=[token])


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
        email_queue(
            to=email,
            template=EMAIL_CONFIRM_TEMPLATE,
            context={
                "user_name": user.full_name,
                "organisation": user.organisation,
                "link": _email_confirm_link(token),
                "expires_at": user.pending_email_expires_at,
            },
        )
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
                organisation_id=user.organisation_id,
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
    user.state = User.State.SUSPENDED
    user.save(update_fields=["state"])
    ended = user_sessions_end(user_id=user.pk)
    _audit(
        action="user_suspended",
        user=user,
        actor=actor,
        request=request,
        changes={
            "state": {"before": User.State.ACTIVE, "after": User.State.SUSPENDED},
            "reason": reason[:500],
            "sessions_ended": ended,
        },
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor, version: str = "", request=None) -> User:
    """*Genaktivér*: a suspended user may log in again with the means they had."""
    user = _locked(user)
    if version:
        _check_version(user, version)
    if user.state != User.State.SUSPENDED:
        raise RuleError("not_suspended", _("Kun en suspenderet bruger kan genaktiveres."))
    user.state = User.State.ACTIVE
    user.save(update_fields=["state"])
    _audit(
        action="user_reactivated",
        user=user,
        actor=actor,
        request=request,
        changes={"state": {"before": User.State.SUSPENDED, "after": User.State.ACTIVE}},
    )
    return user


@transaction.atomic
def user_close(*, user: User, reason: str, actor, version: str = "", request=None) -> User:
    """*Luk bruger*: for good. The user and every means bound to them can no longer log in, a
    pending activation stops, their roles end and their sessions end; the row stays for the
    audit log."""
    user = _locked(user)
    if version:
        _check_version(user, version)
    reason = (reason or "").strip()
    if not reason:
        raise RuleError("reason", _("Skriv en begrundelse."), field="reason")
    if user.state == User.State.CLOSED:
        raise RuleError("closed", _("Brugeren er allerede lukket."))
    _check_may_block(user=user, actor=actor)
    now = timezone.now()
    before = user.state
    roles = sorted(user.role_grants.values_list("role", flat=True))
    user.state = User.State.CLOSED
    user.is_active = False
    user.pending_email, user.pending_email_token_hash, user.pending_email_expires_at = "", "", None
    user.save(
        update_fields=[
            "state",
            "is_active",
            "pending_email",
            "pending_email_token_hash",
            "pending_email_expires_at",
        ]
    )
    means = BoundMeans.objects.filter(user=user, removed_at__isnull=True).update(removed_at=now)
    Invitation.objects.filter(user=user, state=Invitation.State.LIVE).update(
        state=Invitation.State.CANCELLED
    )
    RoleGrant.objects.filter(user=user).delete()
    ended = user_sessions_end(user_id=user.pk)
    _audit(
        action="user_closed",
        user=user,
        actor=actor,
        request=request,
        changes={
            "state": {"before": before, "after": User.State.CLOSED},
            "reason": reason[:500],
            "means_removed": means,
            "roles_removed": roles,
            "sessions_ended": ended,
        },
    )
    return user


def _live_invitation(user: User) -> Invitation:
    invitation = (
        Invitation.objects.select_related("user", "organisation")
        .filter(user=user, organisation_id=user.organisation_id, state=Invitation.State.LIVE)
        .first()
    )
    if invitation is None:
        raise RuleError("no_invitation", _("Brugeren afventer ikke aktivering."))
    return invitation


def user_activation_resend(*, user: User, actor, request=None) -> Invitation:
    """*Send nyt aktiveringslink* from *Brugerinformation*: activation's own service does it."""
    return invitation_resend(invitation=_live_invitation(user), actor=actor, request=request)


def user_activation_code_renew(*, user: User, actor, request=None) -> tuple[Invitation, str]:
    """*Ny kode* from *Brugerinformation*: activation's own service does it; the code is shown
    once and never stored in clear."""
    invitation = _live_invitation(user)
    code = activation_code_renew(invitation=invitation, actor=actor, request=request)
    return invitation, code
