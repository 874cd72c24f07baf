"""Read queries of the separate-MitID journey and its login."""

import datetime

from django.utils import timezone

from activation.models import BoundMeans, Invitation
from mitid_portal import outside
from mitid_portal.outside import DeviceRecord
from mitid_portal.validators import bruger_id_key
from users.models import User

DEVICE_KINDS = ["app", "kodeviser", "kodeoplaeser", "chip"]
PHYSICAL_KINDS = ["kodeviser", "kodeoplaeser", "chip"]
CODE_KINDS = ["kodeviser", "kodeoplaeser"]


def invitation_live_get(*, pk: int | None) -> Invitation | None:
    """The live, unexpired invitation with this pk (from the session), or None."""
    if not pk:
        return None
    invitation = (
        Invitation.objects.select_related("user", "organisation")
        .filter(pk=pk, state=Invitation.State.LIVE, expires_at__gt=timezone.now())
        .first()
    )
    return invitation


def invitation_device_means(*, invitation: Invitation) -> list[str]:
    """The device kinds the administrator chose for the user (the invitation's, else the
    user's), in the guide's order; private MitID is not a means of this journey."""
    chosen = invitation.means or invitation.user.means or []
    return [kind for kind in DEVICE_KINDS if kind in chosen]


def bruger_id_taken(*, bruger_id: str, exclude_user_id: int | None = None) -> bool:
    """Whether another user holds this bruger-ID, ignoring case."""
    rows = User.objects.filter(bruger_id_key=bruger_id_key(bruger_id))
    if exclude_user_id:
        rows = rows.exclude(pk=exclude_user_id)
    return rows.exists()


def private_app_device(*, user: User) -> DeviceRecord | None:
    """The person's own MitID app from their private MitID (CPR → MitID → app)."""
    if not user.cpr_hash or not user.cpr:
        return None
    return outside.device_registry().private_app(cpr=user.cpr)


def shared_device_candidates(*, user: User, kind: str) -> list[DeviceRecord]:
    """Active devices of this kind that the same person (same CPR) has bound as a separate MitID
    in another organisation, offered as *delt identifikationsmiddel* only when both allow it."""
    if not user.cpr_hash or not user.organisation or not user.organisation.allow_shared_means:
        return []
    serials = (
        BoundMeans.objects.filter(
            removed_at__isnull=True,
            user__cpr_hash=user.cpr_hash,
            user__state=User.State.ACTIVE,
            user__organisation__allow_shared_means=True,
        )
        .exclude(user=user)
        .exclude(device_serial="")
        .values_list("device_serial", flat=True)
    )
    return outside.device_registry().active(serials=list(set(serials)), kinds=[kind])


def device_get(*, serial: str | None) -> DeviceRecord | None:
    return outside.device_registry().get(serial=serial) if serial else None


def device_bound(*, serial: str) -> bool:
    """Whether the device is bound (live) to any user."""
    return BoundMeans.objects.filter(device_serial=serial, removed_at__isnull=True).exists()


def chip_pressed_since(*, device: DeviceRecord, since: datetime.datetime) -> bool:
    return outside.device_registry().chip_pressed_since(serial=device.serial, since=since)


def login_user_get(*, bruger_id: str) -> User | None:
    """The user who may log in with this bruger-ID: active, in an organisation. Suspended,
    closed or unknown gives None, and callers answer exactly as for a wrong code."""
    return (
        User.objects.select_related("organisation")
        .filter(
            bruger_id_key=bruger_id_key(bruger_id.strip()),
            state=User.State.ACTIVE,
            is_active=True,
            organisation__isnull=False,
        )
        .first()
    )


def login_devices(*, user: User | None, kinds: list[str]) -> list[DeviceRecord]:
    """The active devices of the given kinds bound (live) to the user."""
    if user is None:
        return []
    serials = (
        BoundMeans.objects.filter(user=user, removed_at__isnull=True)
        .exclude(device_serial="")
        .values_list("device_serial", flat=True)
    )
    return outside.device_registry().active(serials=list(serials), kinds=kinds)


def login_candidates(*, user: User, device: DeviceRecord) -> list[User]:
    """Who a login with ``device`` may become: the user who typed their bruger-ID, and, when the
    device is a shared means, the same person's users in the other organisations — only where
    every one of these organisations allows shared means (G3.9)."""
    if not user.cpr_hash:
        return [user]
    bound = list(
        User.objects.select_related("organisation")
        .filter(
            cpr_hash=user.cpr_hash,
            bound_means__device_serial=device.serial,
            bound_means__removed_at__isnull=True,
            state=User.State.ACTIVE,
            is_active=True,
            organisation__isnull=False,
        )
        .distinct()
        .order_by("organisation__name", "pk")
    )
    if (
        user not in bound
        or len(bound) < 2
        # every one has an organisation (the filter above): the check only narrows the type
        or not all(u.organisation is not None and u.organisation.allow_shared_means for u in bound)
    ):
        return [user]
    return bound


def login_user_for(*, user_id: int | None) -> User | None:
    if not user_id:
        return None
    return (
        User.objects.select_related("organisation")
        .filter(pk=user_id, state=User.State.ACTIVE, is_active=True)
        .first()
    )
