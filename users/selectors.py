"""Read queries for MitID Erhverv users."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from organisations.models import RoleGrant
from users.models import User


def users_for_private_mitid_login(*, cpr_hash: str) -> QuerySet[User]:
    """The organisation users a private MitID login may sign in as: active users, and the
    administrators appointed in an organisation (who must log in to set it up)."""
    has_role = RoleGrant.objects.filter(user=OuterRef("pk"))
    return (
        User.objects.filter(cpr_hash=cpr_hash, is_active=True, organisation__isnull=False)
        .exclude(state__in=[User.State.SUSPENDED, User.State.CLOSED])
        .filter(Q(state=User.State.ACTIVE) | Q(Exists(has_role)))
        .select_related("organisation")
        .order_by("organisation__name")
    )


def organisation_has_imported_users(*, organisation_id: int) -> bool:
    return User.objects.filter(organisation_id=organisation_id, state=User.State.IMPORTED).exists()
