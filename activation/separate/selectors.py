"""Read queries of the separate-MitID journey and its login."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from activation.models import BoundMeans, Invitation
from mitid_portal.validators import bruger_id_key
from simulators.mitid.models import Device
from simulators.registers.models import Person
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


def private_app_device(*, user: User) -> Device | None:
    """The person's own MitID app from their private MitID (CPR register → MitID → app)."""
    if not user.cpr_hash:
        return None
    person = Person.objects.filter(cpr_hash=user.cpr_hash).first()
    if person is None:
        return None
    return (
        Device.objects.filter(account__person=person, kind=Device.Kind.APP, is_active=True)
        .order_by("created_at")
        .first()
    )


def shared_device_candidates(*, user: User, kind: str) -> QuerySet[Device]:
    """Devices of this kind that the same person (same CPR) has bound as a separate MitID in
    another organisation, offered as *delt identifikationsmiddel* only when both allow it."""
    if not user.cpr_hash or not user.organisation or not user.organisation.allow_shared_means:
        return Device.objects.none()
    bindings = BoundMeans.objects.filter(
        removed_at__isnull=True,
        device__isnull=False,
        device__kind=kind,
        device__is_active=True,
        user__cpr_hash=user.cpr_hash,
        user__state=User.State.ACTIVE,
        user__organisation__allow_shared_means=True,
    ).exclude(user=user)
    return Device.objects.filter(pk__in=bindings.values("device_id"))


def device_get(*, pk: int | None) -> Device | None:
    return Device.objects.filter(pk=pk).first() if pk else None


def device_get_by_serial(*, serial: str) -> Device | None:
    return Device.objects.filter(serial=serial).first()


def chip_pressed_since(*, device: Device, since: datetime.datetime) -> bool:
    device.refresh_from_db(fields=["last_pressed_at"])
    return device.last_pressed_at is not None and device.last_pressed_at > since


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


def login_devices(*, user: User | None, kinds: list[str]) -> list[Device]:
    """The active devices of the given kinds bound (live) to the user."""
    if user is None:
        return []
    return list(
        Device.objects.filter(
            bindings__user=user,
            bindings__removed_at__isnull=True,
            kind__in=kinds,
            is_active=True,
        ).distinct()
    )


def login_candidates(*, user: User, device: Device) -> list[User]:
    """Who a login with ``device`` may become: the user who typed their bruger-ID, and, when the
    device is a shared means, the same person's users in the other organisations — only where
    every one of these organisations allows shared means (G3.9)."""
    if not user.cpr_hash:
        return [user]
    bound = list(
        User.objects.select_related("organisation")
        .filter(
            cpr_hash=user.cpr_hash,
            bound_means__device=device,
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
        or not all(u.organisation.allow_shared_means for u in bound)
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
