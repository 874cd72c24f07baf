"""The administrator roles of an organisation (G8.1–G8.3, DESIGN.md "Administration").

The organisation administrator appoints and removes organisation, user and rights
administrators among the organisation's own users; a person may hold several roles, and an
organisation never has fewer than one organisation administrator.

``actor_require_role`` is the services' second line behind ``organisation_view``: a forged
request that slips past a view is refused here too, and the refusal is audited.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.identity import BLOCKED_STATES, PortalUser, UserState
from organisations.models import Organisation, RoleGrant
from organisations.selectors import roles_of

User = get_user_model()

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


def actor_name(actor) -> str:
    if actor is None:
        return ""
    return ((getattr(actor, "full_name", "") or actor.get_username()) or "")[:200]


def actor_require_role(
    *, actor, organisation: Organisation, roles: Iterable[str], act: str, request=None
) -> None:
    """Refuse with ``PermissionDenied`` unless ``actor`` is an active user of ``organisation``
    holding one of ``roles``. The refusal is recorded as ``permission_denied`` (call this
    outside any transaction whose rollback would take the record with it)."""
    allowed = (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.organisation_id == organisation.pk
        and actor.state not in BLOCKED_STATES
        and bool(roles_of(user=actor) & set(roles))
    )
    if allowed:
        return
    audit_record(
        action="permission_denied",
        actor_name=actor_name(actor) or "?",
        actor_user=actor,
        organisation=organisation,
        target=act,
        changes={"handling": act},
        request=request,
    )
    refusal = PermissionDenied()
    # A mark on the exception (django-stubs cannot type it) so the view's record does not repeat it.
    refusal.audited = True  # type: ignore[attr-defined]
    raise refusal


def _require_member(*, organisation: Organisation, user: PortalUser) -> None:
    if user.organisation_id != organisation.pk:
        raise PermissionDenied


@transaction.atomic
def _role_grant(*, organisation, user, role, actor, request) -> RoleGrant:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.state == UserState.CLOSED:
        raise RuleError("closed", _("Brugeren er lukket og kan ikke få en rolle."))
    if RoleGrant.objects.filter(organisation=organisation, user=user, role=role).exists():
        raise RuleError("has_role", _("Brugeren har allerede rollen."))
    grant = RoleGrant(
        organisation=organisation, user=user, role=role, granted_by_name=actor_name(actor)
    )
    grant.full_clean()
    grant.save()
    audit_record(
        action="role_granted",
        actor_name=actor_name(actor),
        actor_user=actor,
        organisation=organisation,
        target=user.full_name or user.get_username(),
        changes={"rolle": str(RoleGrant.Role(role).label), "bruger": user.full_name},
        request=request,
    )
    return grant


def role_grant(
    *, organisation: Organisation, user: PortalUser, role: str, actor, request=None
) -> RoleGrant:
    """The organisation administrator gives one of the organisation's users a role (G8.1);
    a user may hold several roles."""
    actor_require_role(
        actor=actor, organisation=organisation, roles=[ORG_ADMIN], act="role_grant", request=request
    )
    _require_member(organisation=organisation, user=user)
    if role not in RoleGrant.Role.values:
        raise RuleError("role", _("Vælg en rolle."))
    return _role_grant(
        organisation=organisation, user=user, role=role, actor=actor, request=request
    )


@transaction.atomic
def _role_remove(*, organisation, user, role, actor, request) -> None:
    # Lock every organisation administrator grant, so two administrators removing each other at
    # the same moment cannot both succeed and leave none.
    admin_grants = list(
        RoleGrant.objects.select_for_update()
        .filter(organisation=organisation, role=ORG_ADMIN)
        .values_list("user_id", flat=True)
    )
    grant = RoleGrant.objects.filter(organisation=organisation, user=user, role=role).first()
    if grant is None:
        raise RuleError("no_role", _("Brugeren har ikke rollen."))
    if role == ORG_ADMIN and admin_grants == [user.pk]:
        raise RuleError(
            "last_admin",
            _(
                "Rollen kan ikke fjernes: organisationen skal altid have mindst én "
                "organisationsadministrator. Udpeg en anden først."
            ),
        )
    grant.delete()
    audit_record(
        action="role_removed",
        actor_name=actor_name(actor),
        actor_user=actor,
        organisation=organisation,
        target=user.full_name or user.get_username(),
        changes={"rolle": str(RoleGrant.Role(role).label), "bruger": user.full_name},
        request=request,
    )


def role_remove(
    *, organisation: Organisation, user: PortalUser, role: str, actor, request=None
) -> None:
    """The organisation administrator removes a role (G8.1); never the last organisation
    administrator."""
    actor_require_role(
        actor=actor,
        organisation=organisation,
        roles=[ORG_ADMIN],
        act="role_remove",
        request=request,
    )
    _require_member(organisation=organisation, user=user)
    if role not in RoleGrant.Role.values:
        raise RuleError("role", _("Vælg en rolle."))
    _role_remove(organisation=organisation, user=user, role=role, actor=actor, request=request)
