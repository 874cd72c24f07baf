"""State changes of the simulated private MitID: accounts, devices, logins."""

import datetime
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto
from mitid_portal.errors import RuleError
from mitid_portal.outside import Identity
from mitid_portal.ratelimit import account_key, address_key, rate_release, rate_reserve_all
from simulators.mitid import totp
from simulators.mitid.models import Device, LoginRequest, MitIDAccount
from simulators.registers.models import Person

LOGIN_LIFETIME = datetime.timedelta(minutes=5)
RESULT_CODE_LIFETIME = datetime.timedelta(minutes=2)
MAX_CODE_ATTEMPTS = 3
# Code tries per user name (in its sandbox) and per client address, over every login request, in
# a window; a right code is given back. The per-request limit above ends one request.
CODE_LIMIT_PER_ACCOUNT = 5
CODE_LIMIT_PER_ADDRESS = 20
CODE_WINDOW = 15 * 60

_SERIAL_PREFIX: dict[str, str] = {
    Device.Kind.APP: "APP",
    Device.Kind.KODEVISER: "KV",
    Device.Kind.KODEOPLAESER: "KO",
    Device.Kind.CHIP: "CH",
}


@transaction.atomic
def mitid_account_create(*, person: Person, username: str) -> MitIDAccount:
    """Give a person of the CPR register a private MitID with the given user name."""
    if MitIDAccount.objects.filter(username__iexact=username).exists():
        raise RuleError("username_taken", _("Bruger-ID'et er optaget. Vælg et andet."))
    account = MitIDAccount(person=person, username=username)
    account.full_clean()
    account.save()
    return account


def device_new(*, kind: str, account: MitIDAccount | None = None, label: str = "") -> Device:
    """An unsaved device with a fresh serial number (and TOTP key for code devices)."""
    device = Device(
        account=account,
        kind=kind,
        serial=f"{_SERIAL_PREFIX[kind]}-{crypto.random_digits(8)}",
        label=label,
    )
    if kind in (Device.Kind.KODEVISER, Device.Kind.KODEOPLAESER):
        device.totp_secret = totp.new_secret()
    return device


@transaction.atomic
def device_create(*, kind: str, account: MitIDAccount | None = None, label: str = "") -> Device:
    device = device_new(kind=kind, account=account, label=label)
    device.save()
    return device


@transaction.atomic
def device_press(*, device: Device) -> Device:
    """The person presses the button on the simulated chip."""
    device.last_pressed_at = timezone.now()
    device.save(update_fields=["last_pressed_at"])
    return device


@transaction.atomic
def login_request_start(
    *, username: str, client: str, return_url: str, state: str, method: str
) -> LoginRequest:
    """Start a login. An unknown user name is told at once, as the real MitID does ("findes
    ikke"): a request no app can approve would leave the person waiting in vain. The broker's
    rate limit on starts (per address) keeps guessing user names slow."""
    account = MitIDAccount.objects.filter(username__iexact=username.strip()).first()
    if account is None:
        raise RuleError(
            "unknown_user",
            _("Der findes ikke et MitID med det bruger-ID. Tjek, at du har skrevet det rigtigt."),
            field="username",
        )
    return LoginRequest.objects.create(
        account=account,
        client=client[:100],
        return_url=return_url,
        state=state[:100],
        method=method,
        expires_at=timezone.now() + LOGIN_LIFETIME,
    )


def _expire_if_due(login_request: LoginRequest) -> None:
    if login_request.status == LoginRequest.Status.PENDING and login_request.is_expired:
        login_request.status = LoginRequest.Status.EXPIRED
        login_request.save(update_fields=["status"])


@transaction.atomic
def login_request_decide(*, request_id, account: MitIDAccount, approve: bool) -> LoginRequest:
    """*Godkend* or *Afvis* in the MitID app of ``account``."""
    login_request = (
        LoginRequest.objects.select_for_update().filter(pk=request_id, account=account).first()
    )
    if login_request is None:
        raise RuleError("unknown", _("Anmodningen findes ikke."))
    if login_request.status != LoginRequest.Status.PENDING or login_request.is_expired:
        raise RuleError("not_pending", _("Anmodningen er ikke længere aktiv."))
    login_request.status = LoginRequest.Status.APPROVED if approve else LoginRequest.Status.REJECTED
    login_request.decided_at = timezone.now()
    login_request.save(update_fields=["status", "decided_at"])
    return login_request


def _code_try_keys(*, login_request: LoginRequest, address: str) -> list[tuple[str, int]]:
    keys = [(address_key("mitid-code", address), CODE_LIMIT_PER_ADDRESS)]
    if login_request.account_id:
        username = MitIDAccount.objects.get(pk=login_request.account_id).username.casefold()
        keys.append((account_key("mitid-code-user", username), CODE_LIMIT_PER_ACCOUNT))
    return keys


def login_request_verify_code(*, request_id, code: str, address: str = "") -> LoginRequest:
    """A code from the person's kodeviser or kodeoplæser. Three wrong codes end the request;
    an unknown user name fails exactly like a wrong code. Each try is reserved before the code
    is compared: on the request's row (one conditional UPDATE) and against the user name and the
    client address over all requests (``mitid_portal.ratelimit``), so parallel tries cannot pass
    either limit."""
    pending = LoginRequest.objects.filter(pk=request_id).first()
    if pending is None:
        raise RuleError("not_pending", _("Login er udløbet eller afbrudt. Start forfra."))
    keys = _code_try_keys(login_request=pending, address=address)
    if not rate_reserve_all(limits=keys, window=CODE_WINDOW):
        raise RuleError("locked", _("Forkert bruger-ID eller kode for mange gange. Start forfra."))
    login_request, outcome = _verify_code(request_id=request_id, code=code)
    # Raised after the transaction committed, so that a wrong try is counted.
    if outcome == "not_pending":
        raise RuleError("not_pending", _("Login er udløbet eller afbrudt. Start forfra."))
    if outcome == "locked":
        raise RuleError("locked", _("Forkert bruger-ID eller kode for mange gange. Start forfra."))
    if outcome == "wrong_code":
        raise RuleError("wrong_code", _("Forkert bruger-ID eller kode. Prøv igen."))
    for key, _limit in keys:
        rate_release(key=key)
    return login_request


@transaction.atomic
def _verify_code(*, request_id, code: str) -> tuple[LoginRequest, str]:
    login_request = LoginRequest.objects.select_for_update().get(pk=request_id)
    _expire_if_due(login_request)
    if login_request.status != LoginRequest.Status.PENDING:
        return login_request, "not_pending"
    # The try is reserved on the row before the code is compared (increment, then compare).
    reserved = LoginRequest.objects.filter(
        pk=request_id, status=LoginRequest.Status.PENDING, attempts__lt=MAX_CODE_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    login_request.refresh_from_db(fields=["attempts", "status"])
    if not reserved:
        return login_request, "locked" if login_request.attempts else "not_pending"
    devices = (
        Device.objects.filter(
            account=login_request.account,
            kind__in=[Device.Kind.KODEVISER, Device.Kind.KODEOPLAESER],
            is_active=True,
        )
        if login_request.account_id
        else Device.objects.none()
    )
    if any(totp.verify(device.totp_secret, code.strip()) for device in devices):
        login_request.status = LoginRequest.Status.APPROVED
        login_request.decided_at = timezone.now()
        login_request.attempts -= 1  # a right code is not a failed attempt
        login_request.save(update_fields=["status", "decided_at", "attempts"])
        return login_request, "ok"
    if login_request.attempts >= MAX_CODE_ATTEMPTS:
        login_request.status = LoginRequest.Status.REJECTED
        login_request.decided_at = timezone.now()
        login_request.save(update_fields=["status", "decided_at"])
        return login_request, "locked"
    return login_request, "wrong_code"


@transaction.atomic
def login_request_finish(*, request_id) -> tuple[LoginRequest, str]:
    """An approved login becomes a one-time result code for the client; returns (request, code)."""
    login_request = LoginRequest.objects.select_for_update().get(pk=request_id)
    if login_request.status != LoginRequest.Status.APPROVED or login_request.result_code_hash:
        raise RuleError("not_approved", _("Login er ikke godkendt."))
    code = secrets.token_urlsafe(32)
    login_request.result_code_hash = crypto.keyed_hash(code, purpose="mitid-result")
    login_request.decided_at = timezone.now()
    login_request.save(update_fields=["result_code_hash", "decided_at"])
    return login_request, code


@transaction.atomic
def login_result_exchange(*, code: str) -> Identity | None:
    """The client trades the result code for the identity, once, within two minutes."""
    login_request = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to the account.
        LoginRequest.objects.select_for_update(of=("self",))
        .select_related("account__person")
        .filter(
            result_code_hash=crypto.keyed_hash(code, purpose="mitid-result"),
            status=LoginRequest.Status.APPROVED,
        )
        .first()
    )
    if login_request is None or login_request.account is None:
        return None
    login_request.status = LoginRequest.Status.CONSUMED
    login_request.save(update_fields=["status"])
    assert login_request.decided_at is not None  # set with the result code, as it was approved
    if timezone.now() - login_request.decided_at > RESULT_CODE_LIFETIME:
        return None
    person = login_request.account.person
    return Identity(
        cpr=person.cpr,
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
    )
