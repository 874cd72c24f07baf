"""Read queries of the employee's activation with private MitID and of *Min profil*."""

from django.db.models import QuerySet

from activation.models import BoundMeans, Invitation, LoginEvent
from mitid_portal import crypto
from organisations.models import RoleGrant
from users.models import User

TOKEN_PURPOSE = "activation-link"  # noqa: S105 - a hash purpose, not a secret
PRIVATE = BoundMeans.Kind.PRIVATE.value

# Why an emailed link cannot be used; each has its own page (STYLE.md "One project error type").
UNKNOWN = "unknown"
EXPIRED = "expired"
USED = "used"
REPLACED = "replaced"
CANCELLED = "cancelled"
_STATE_PROBLEMS: dict[str, str] = {
    Invitation.State.USED: USED,
    Invitation.State.REPLACED: REPLACED,
    Invitation.State.CANCELLED: CANCELLED,
}
# A token is 43 URL-safe characters; anything much longer is not worth hashing.
_MAX_TOKEN_LENGTH = 200


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why the invitation cannot be used now (one of the reasons above), or None."""
    if invitation is None:
        return UNKNOWN
    if invitation.state in _STATE_PROBLEMS:
        return _STATE_PROBLEMS[invitation.state]
    if invitation.is_expired:
        return EXPIRED
    return None


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation whose link carries ``token`` (found by its keyed hash), in any state."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return (
        Invitation.objects.select_related("organisation", "user")
        .filter(token_hash=crypto.keyed_hash(token, purpose=TOKEN_PURPOSE))
        .first()
    )


def invitation_by_pk(*, pk: int | None) -> Invitation | None:
    """The invitation kept in the session after its link was opened, in any state."""
    if not pk:
        return None
    return Invitation.objects.select_related("organisation", "user").filter(pk=pk).first()


def invitation_offers_private(*, invitation: Invitation) -> bool:
    """Whether the employee may choose private MitID (G6.5): the organisation allows it at work,
    and the administrator offered it (an invitation without chosen means follows the
    organisation)."""
    if not invitation.organisation.allow_private_mitid:
        return False
    return not invitation.means or PRIVATE in invitation.means


def invitation_needs_code(*, invitation: Invitation) -> bool:
    """A user known only by birth date must also give the 8-digit temporary activation code
    (G5.2, G6.6); one private MitID login proves who a CPR user is."""
    return not invitation.user.cpr_hash


def user_bound_means(*, user: User) -> QuerySet[BoundMeans]:
    """The user's means in use (not removed), oldest first."""
    return BoundMeans.objects.filter(user=user, removed_at__isnull=True)


def means_helpers(*, user: User) -> list[User]:
    """Who gives the user another means (*Min profil*): the organisation's user administrators,
    or its organisation administrators when it has none (active ones, who can log in); never the
    user themself. One query."""
    if user.organisation_id is None:
        return []
    wanted = (RoleGrant.Role.USER_ADMIN, RoleGrant.Role.ORGANISATION_ADMIN)
    grants = (
        RoleGrant.objects.filter(organisation_id=user.organisation_id, role__in=wanted)
        .exclude(user=user)
        .filter(user__state=User.State.ACTIVE)  # only those who can log in and help
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    by_role: dict[str, list[User]] = {role: [] for role in wanted}
    for grant in grants:
        by_role[grant.role].append(grant.user)
    return by_role[RoleGrant.Role.USER_ADMIN] or by_role[RoleGrant.Role.ORGANISATION_ADMIN]


def user_login_events(*, user: User) -> QuerySet[LoginEvent]:
    """The user's logins to MitID Erhverv, newest first (*Min profil*)."""
    return LoginEvent.objects.filter(user=user).order_by("-created_at", "-pk")


def user_profile(*, pk: int) -> User | None:
    """The signed-in user with organisation, roles and rights for *Min profil*."""
    return (
        User.objects.select_related("organisation")
        .prefetch_related("role_grants", "rights__service")
        .filter(pk=pk)
        .first()
    )


def user_session_blocked(*, user) -> bool:
    """A suspended or closed (or deactivated) organisation user must not keep a session."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "organisation_id", None):
        return False
    return not user.is_active or user.state in (User.State.SUSPENDED, User.State.CLOSED)
