"""State changes of the activation with a separate MitID (G7.1–G7.10) and of its login.

Secrets (the SMS code, the app's activation code) are kept only as keyed hashes; attempt
counters are written in their own transaction before an error is raised, so a wrong try always
counts. Nothing is bound to the user before the one transaction of ``separate_activation_complete``.
"""

import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activation import emails
from activation.models import BoundMeans, Invitation, SmsVerification
from activation.separate import selectors
from mitid_portal import crypto, outside
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.outside import DeviceRecord
from mitid_portal.ratelimit import (
    account_key,
    address_key,
    rate_count,
    rate_release,
    rate_reserve_all,
)
from mitid_portal.sandbox import sandbox_cache_key
from mitid_portal.validators import bruger_id_key, normalise_bruger_id
from users.models import User
from users.services.lifecycle import user_state_change

SMS_PURPOSE = "sms-code"
SMS_LIFETIME = datetime.timedelta(minutes=10)
SMS_MAX_FAILURES = 3
SMS_MIN_INTERVAL = datetime.timedelta(seconds=60)
SMS_PER_HOUR = 5
SMS_CODE_LENGTH = 6

LOGIN_LIMIT_PER_ID = 5  # login tries per bruger-ID per window (a successful try is given back)
LOGIN_LIMIT_PER_ADDRESS = 20  # login tries per client address per window (likewise)
LOGIN_WINDOW = 15 * 60
APP_LOGIN_LIFETIME = 5 * 60

TAKEN = _("Bruger-ID'et er optaget. Vælg et andet.")
LOGIN_FAILED = _("Forkert bruger-ID eller kode. Prøv igen.")
SMS_CODE_TEXT = _("Din MitID Erhverv verifikationskode er %(code)s. Koden udløber om 10 minutter.")
LOGIN_THROTTLED = _("For mange mislykkede forsøg. Vent 15 minutter, og prøv igen.")


# ---------------------------------------------------------------------------------------------
# SMS verification code (G7.4, G7.6)


@transaction.atomic
def sms_code_send(*, user: User, number: str) -> SmsVerification:
    """Send a 6-digit verification code by SMS (G7.4). At most one SMS per number every 60
    seconds and five an hour; a new code kills the previous one and keeps its failure count (a
    locked code's count is not carried: the hourly limit bounds the tries)."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one send per user at a time
    now = timezone.now()
    recent = SmsVerification.objects.filter(number=number)
    last = recent.order_by("-created_at").first()
    if last is not None and now - last.created_at < SMS_MIN_INTERVAL:
        wait = int((SMS_MIN_INTERVAL - (now - last.created_at)).total_seconds()) + 1
        raise RuleError(
            "sms_too_soon",
            ngettext(
                "Du kan først få en ny SMS om %(seconds)d sekund.",
                "Du kan først få en ny SMS om %(seconds)d sekunder.",
                wait,
            )
            % {"seconds": wait},
            field="number",
        )
    if recent.filter(created_at__gt=now - datetime.timedelta(hours=1)).count() >= SMS_PER_HOUR:
        raise RuleError(
            "sms_hourly_limit",
            _("Der er sendt 5 SMS'er til nummeret den seneste time. Prøv igen senere."),
            field="number",
        )
    previous = SmsVerification.objects.filter(user=user).order_by("-created_at").first()
    failures = 0
    if previous is not None and previous.used_at is None and previous.failures < SMS_MAX_FAILURES:
        failures = previous.failures
    SmsVerification.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = crypto.random_digits(SMS_CODE_LENGTH)
    verification = SmsVerification(
        user=user,
        number=number,
        code_hash=crypto.keyed_hash(code, purpose=SMS_PURPOSE),
        failures=failures,
        created_at=now,
        expires_at=now + SMS_LIFETIME,
    )
    verification.full_clean()
    verification.save()
    # Last: a refusing gateway rolls the row back, so no code exists that was never sent.
    outside.sms_gateway().send(number=number, text=sms_code_text(code=code, language=user.language))
    return verification


def sms_code_text(*, code: str, language: str) -> str:
    """The SMS with the verification code, in the recipient's language (``User.language``)."""
    with translation.override(language):
        return str(SMS_CODE_TEXT % {"code": code})


def sms_code_verify(*, user: User, number: str, code: str) -> SmsVerification:
    """Check the verification code (G7.6): 10 minutes, single use, locked after 3 wrong tries."""
    verification, outcome = _sms_code_check(user=user, number=number, code=code)
    # Raised after the transaction committed, so that a wrong try is counted.
    messages = {
        "none": _("Der er ikke sendt en verifikationskode til nummeret. Vælg Send ny kode."),
        "used": _("Koden er allerede brugt. Vælg Send ny kode."),
        "expired": _("Koden er udløbet. Vælg Send ny kode."),
        "locked": _("Du har indtastet en forkert kode 3 gange. Vælg Send ny kode."),
    }
    if outcome in messages:
        raise RuleError(outcome, messages[outcome], field="code")
    assert verification is not None  # only the "none" outcome, raised above, has none
    if outcome == "wrong":
        left = SMS_MAX_FAILURES - verification.failures
        if left <= 0:
            raise RuleError("locked", messages["locked"], field="code")
        raise RuleError(
            "wrong",
            ngettext(
                "Forkert verifikationskode. Du har %(left)d forsøg tilbage.",
                "Forkert verifikationskode. Du har %(left)d forsøg tilbage.",
                left,
            )
            % {"left": left},
            field="code",
        )
    return verification


@transaction.atomic
def _sms_code_check(*, user: User, number: str, code: str) -> tuple[SmsVerification | None, str]:
    verification = (
        SmsVerification.objects.select_for_update()
        .filter(user=user, number=number)
        .order_by("-created_at")
        .first()
    )
    if verification is None:
        return None, "none"
    if verification.used_at is not None:
        return verification, "used"
    if verification.failures >= SMS_MAX_FAILURES:
        return verification, "locked"
    if timezone.now() >= verification.expires_at:
        return verification, "expired"
    # The try is reserved before the code is compared: one conditional UPDATE (increment, then
    # compare), so parallel tries cannot compare more than three; a right code gives it back.
    tries = SmsVerification.objects.filter(pk=verification.pk)
    reserved = tries.filter(failures__lt=SMS_MAX_FAILURES).update(failures=F("failures") + 1)
    verification.refresh_from_db(fields=["failures"])
    if not reserved:
        return verification, "locked"
    if not crypto.hashes_match(code, verification.code_hash, purpose=SMS_PURPOSE):
        return verification, "wrong"
    used = tries.filter(used_at__isnull=True).update(
        failures=F("failures") - 1, used_at=timezone.now()
    )
    verification.refresh_from_db(fields=["failures", "used_at"])
    return verification, "ok" if used else "used"


# ---------------------------------------------------------------------------------------------
# The means (G7.7–G7.9)


@transaction.atomic
def separate_device_prepare(
    *, user: User, kind: str, choice: str = "new", pending_serial: str | None = None
) -> DeviceRecord:
    """*Start aktivering* (G7.7): the device the user will activate. A physical means is the
    one the organisation handed out (created now, or the one already pending for this journey);
    the app is the person's private MitID app or a new one; ``choice="shared"`` reuses the
    person's device from another organisation (*delt identifikationsmiddel*). Nothing is bound
    yet, so going back leaves no half-bound device."""
    if kind not in selectors.DEVICE_KINDS:
        raise RuleError("kind", _("Vælg et identifikationsmiddel."))
    if choice == "shared":
        candidates = selectors.shared_device_candidates(user=user, kind=kind)
        if not candidates:
            raise RuleError("no_shared", _("Du har ikke et delt identifikationsmiddel."))
        return candidates[0]
    if kind == BoundMeans.Kind.APP and choice == "private":
        device = selectors.private_app_device(user=user)
        if device is None:
            raise RuleError("no_private_app", _("Du har ikke en MitID app som privatperson."))
        return device
    pending = selectors.device_get(serial=pending_serial)
    if (
        pending is not None
        and pending.kind == kind
        and not pending.is_private
        and not selectors.device_bound(serial=pending.serial)
    ):
        return pending
    label = str(_("Udleveret af %(organisation)s")) % {
        "organisation": user.organisation.name if user.organisation else ""
    }
    return outside.device_registry().issue(kind=kind, label=label[:100])


def code_device_verify(*, device: DeviceRecord, code: str) -> None:
    """The code the kodeviser or kodeoplæser shows now (RFC 6238, one step either side)."""
    if device.kind not in selectors.CODE_KINDS or not outside.device_registry().code_verify(
        serial=device.serial, code=code
    ):
        raise RuleError(
            "wrong_device_code",
            _("Koden passer ikke. Indtast den kode, enheden viser nu."),
            field="code",
        )


def app_activation_code_issue(*, device: DeviceRecord, user: User) -> str:
    """The activation code shown in the guide window (G7.8), issued by the device registry for
    this user; the person types it into the app. A new code replaces the old one."""
    return outside.device_registry().app_activation_begin(
        serial=device.serial, reference=str(user.pk)
    )


def app_activation_done(*, device: DeviceRecord, user: User) -> bool:
    """Whether the person typed this user's activation code into the app."""
    return outside.device_registry().app_activation_done(
        serial=device.serial, reference=str(user.pk)
    )


# ---------------------------------------------------------------------------------------------
# Kvittering (G7.10)


@transaction.atomic
def separate_activation_complete(
    *, invitation: Invitation, bruger_id: str, phone: str, device: DeviceRecord, request=None
) -> BoundMeans:
    """The end of the journey (G7.10), all in one transaction: the bruger-ID and mobile number
    on the user, the device bound, the invitation used, the user active, an audit event and the
    email "Et identifikationsmiddel er tilføjet". Idempotent: a reload or a double click after
    success returns the existing binding. The bruger-ID's unique constraint decides a race:
    the loser gets "optaget" and nothing is written."""
    locked = (
        Invitation.objects.select_for_update()
        .select_related("user", "organisation")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None:
        raise RuleError("not_live", _("Aktiveringen findes ikke længere."))
    user = locked.user
    existing = BoundMeans.objects.filter(
        user=user, device_serial=device.serial, removed_at__isnull=True
    ).first()
    if locked.state == Invitation.State.USED and existing is not None:
        return existing
    if locked.state != Invitation.State.LIVE or locked.is_expired:
        raise RuleError(
            "not_live", _("Aktiveringslinket er ikke længere gyldigt. Bed om et nyt link.")
        )
    if device.kind not in selectors.invitation_device_means(invitation=locked):
        raise RuleError("kind", _("Identifikationsmidlet er ikke valgt til dig."))
    bruger_id = normalise_bruger_id(bruger_id)
    if not SmsVerification.objects.filter(user=user, number=phone, used_at__isnull=False).exists():
        raise RuleError("sms", _("Mobilnummeret er ikke bekræftet med en verifikationskode."))
    if selectors.bruger_id_taken(bruger_id=bruger_id, exclude_user_id=user.pk):
        raise RuleError("taken", TAKEN, field="bruger_id")

    now = timezone.now()
    try:
        with transaction.atomic():
            user_state_change(
                user=user,
                to=User.State.ACTIVE,
                fields={"bruger_id": bruger_id, "phone": phone, "uses_private_mitid": False},
                audit=False,  # this journey records its own user_activated below
            )
    except IntegrityError as exc:  # someone claimed the same ID between the check and here
        raise RuleError("taken", TAKEN, field="bruger_id") from exc
    binding = BoundMeans.objects.create(
        user=user, kind=device.kind, device_serial=device.serial, bound_at=now
    )
    locked.state = Invitation.State.USED
    locked.used_at = now
    locked.save(update_fields=["state", "used_at"])
    audit_record(
        action="user_activated",
        actor_name=user.full_name,
        actor_user=None,
        organisation=locked.organisation,
        target=user.full_name,
        changes={"means": device.kind, "serial": device.serial, "separate_mitid": True},
        request=request,
    )
    if user.email:
        emails.separate_means_added(
            to=user.email,
            user=user,
            organisation=locked.organisation,
            binding=binding,
            event_key=f"separate-means-added-{binding.pk}",
        )
    return binding


# ---------------------------------------------------------------------------------------------
# *Log på MitID Erhverv* with bruger-ID and the bound means


def _throttle_keys(*, bruger_id: str, address: str) -> list[tuple[str, int]]:
    id_hash = crypto.keyed_hash(bruger_id_key(bruger_id.strip()), purpose="login-throttle")
    return [
        (account_key("separate-login-id", id_hash), LOGIN_LIMIT_PER_ID),
        (address_key("separate-login", address), LOGIN_LIMIT_PER_ADDRESS),
    ]


def login_throttle_check(*, bruger_id: str, address: str) -> None:
    """Refuse the start of a login while the bruger-ID or the address has used its tries (the
    tries themselves are reserved by ``login_try_reserve``)."""
    for key, limit in _throttle_keys(bruger_id=bruger_id, address=address):
        if rate_count(key=key) >= limit:
            raise RuleError("throttled", LOGIN_THROTTLED)


def login_try_reserve(*, bruger_id: str, address: str) -> None:
    """Reserve one login try for the bruger-ID (in this sandbox) and for the client address,
    atomically and before anything secret is evaluated, so parallel tries cannot pass the limit;
    ``RuleError("throttled")`` once either has used its tries in the window."""
    keys = _throttle_keys(bruger_id=bruger_id, address=address)
    if not rate_reserve_all(limits=keys, window=LOGIN_WINDOW):
        raise RuleError("throttled", LOGIN_THROTTLED)


def login_try_release(*, bruger_id: str, address: str) -> None:
    """A login that succeeded gives its reserved try back: only failures use up the limit."""
    for key, _limit in _throttle_keys(bruger_id=bruger_id, address=address):
        rate_release(key=key)


def login_code_verify(*, bruger_id: str, code: str, address: str) -> tuple[User, DeviceRecord]:
    """A kodeviser/kodeoplæser login. Unknown, suspended or closed users fail exactly like a
    wrong code (no enumeration); every try is reserved against the bruger-ID and the address
    before the code is compared, and only a successful one is given back."""
    login_try_reserve(bruger_id=bruger_id, address=address)
    user = selectors.login_user_get(bruger_id=bruger_id)
    devices = selectors.login_devices(user=user, kinds=selectors.CODE_KINDS)
    registry = outside.device_registry()
    matched = [d for d in devices if registry.code_verify(serial=d.serial, code=code)]
    if user is None or not matched:
        raise RuleError("wrong_code", LOGIN_FAILED, field="code")
    login_try_release(bruger_id=bruger_id, address=address)
    return user, matched[0]


def login_chip_verify(
    *, bruger_id: str, since: datetime.datetime, address: str
) -> tuple[User, DeviceRecord]:
    """A chip login: one of the user's bound chips was pressed after the login started (a try,
    reserved like a code's)."""
    login_try_reserve(bruger_id=bruger_id, address=address)
    user = selectors.login_user_get(bruger_id=bruger_id)
    devices = selectors.login_devices(user=user, kinds=[BoundMeans.Kind.CHIP])
    pressed = [d for d in devices if selectors.chip_pressed_since(device=d, since=since)]
    if user is None or not pressed:
        raise RuleError(
            "not_pressed", _("Forkert bruger-ID, eller chippen er ikke trykket. Prøv igen.")
        )
    login_try_release(bruger_id=bruger_id, address=address)
    return user, pressed[0]


def _app_login_key(request_id: str) -> str:
    return sandbox_cache_key(f"separate-app-login-user:{request_id}")


def login_app_request_start(*, bruger_id: str, address: str) -> str:
    """An approval request in the business MitID app. An unknown bruger-ID gets a request too,
    one that no app can approve, so a stranger sees the same waiting page (no enumeration)."""
    login_throttle_check(bruger_id=bruger_id, address=address)
    user = selectors.login_user_get(bruger_id=bruger_id)
    devices = selectors.login_devices(user=user, kinds=[BoundMeans.Kind.APP])
    request_id = outside.device_registry().app_approval_start(
        serials=[d.serial for d in devices],
        requester=user.organisation.name if user and user.organisation else "",
    )
    cache.set(
        _app_login_key(request_id),
        {"user_id": user.pk if user else None},
        timeout=APP_LOGIN_LIFETIME,
    )
    return request_id


def login_app_status(*, request_id: str) -> str:
    return outside.device_registry().app_approval_status(request_id=request_id)


def login_app_finish(
    *, request_id: str, bruger_id: str, address: str
) -> tuple[User, DeviceRecord] | None:
    """An approved request, consumed once; None while it is not approved."""
    serial = outside.device_registry().app_approval_consume(request_id=request_id)
    if serial is None:
        return None
    login_try_reserve(bruger_id=bruger_id, address=address)
    entry = cache.get(_app_login_key(request_id)) or {}
    cache.delete(_app_login_key(request_id))
    user = selectors.login_user_for(user_id=entry.get("user_id"))
    device = selectors.device_get(serial=serial)
    if user is None or device is None:
        return None
    login_try_release(bruger_id=bruger_id, address=address)
    return user, device
