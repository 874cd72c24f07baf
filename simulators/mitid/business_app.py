"""The simulated business MitID app on the person's phone: activation with the code that MitID
Erhverv shows, and logins waiting for *Godkend*.

Its state lives in the shared cache (so every web process sees it): the activation code only as
a keyed hash, for 15 minutes; a login request for 5 minutes. Devices are named by serial number.
"""

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto
from mitid_portal.errors import RuleError
from mitid_portal.ratelimit import account_key, rate_reserve
from mitid_portal.sandbox import sandbox_cache_key

ACTIVATION_PURPOSE = "separate-app-activation"
ACTIVATION_CODE_LENGTH = 8
ACTIVATION_LIFETIME = 15 * 60
ACTIVATION_MAX_FAILURES = 3
APPROVAL_LIFETIME = 5 * 60


def _activation_key(serial: str) -> str:
    return sandbox_cache_key(f"separate-app-activation:{serial}")


def _approval_key(request_id: str) -> str:
    return sandbox_cache_key(f"separate-app-login:{request_id}")


def _pending_key(serial: str) -> str:
    return sandbox_cache_key(f"separate-app-pending:{serial}")


def activation_begin(*, serial: str, reference: str) -> str:
    """A new activation code for the app ``serial``, meant for ``reference``; it replaces the
    previous one. Only its hash is kept."""
    code = crypto.random_digits(ACTIVATION_CODE_LENGTH)
    cache.set(
        _activation_key(serial),
        {
            "reference": reference,
            "code_hash": crypto.keyed_hash(code, purpose=ACTIVATION_PURPOSE),
            # Names this activation's try counter: a new code starts with three tries.
            "nonce": crypto.random_token(),
            "activated": False,
        },
        timeout=ACTIVATION_LIFETIME,
    )
    return code


def activation_code_enter(*, serial: str, code: str) -> None:
    """The person types the activation code into the app: *Indtast aktiveringskoden*. Three
    tries end it (each reserved atomically before the code is compared, so parallel tries cannot
    pass the limit); a new code is then shown in the guide."""
    entry = cache.get(_activation_key(serial))
    if entry is None or entry["activated"]:
        raise RuleError(
            "no_activation", _("Der er ingen aktivering i gang for denne app."), field="code"
        )
    tries_key = account_key(
        "business-app-activation", f"{serial}:{entry.get('nonce') or entry['code_hash']}"
    )
    if not rate_reserve(key=tries_key, limit=ACTIVATION_MAX_FAILURES, window=ACTIVATION_LIFETIME):
        raise RuleError(
            "locked",
            _("Forkert aktiveringskode 3 gange. Start aktiveringen forfra i MitID Erhverv."),
            field="code",
        )
    if not crypto.hashes_match(code.strip(), entry["code_hash"], purpose=ACTIVATION_PURPOSE):
        raise RuleError("wrong", _("Aktiveringskoden passer ikke."), field="code")
    entry["activated"] = True
    cache.set(_activation_key(serial), entry, timeout=ACTIVATION_LIFETIME)


def activation_done(*, serial: str, reference: str) -> bool:
    entry = cache.get(_activation_key(serial))
    return bool(entry and entry["activated"] and entry["reference"] == reference)


def approval_start(*, serials: list[str], requester: str) -> str:
    """A login waiting for *Godkend* in the apps ``serials`` (none: no app can approve it)."""
    request_id = crypto.random_token()
    cache.set(
        _approval_key(request_id),
        {"serials": list(serials), "status": "pending", "serial": None, "requester": requester},
        timeout=APPROVAL_LIFETIME,
    )
    for serial in serials:
        pending = cache.get(_pending_key(serial)) or []
        cache.set(_pending_key(serial), [*pending[-9:], request_id], APPROVAL_LIFETIME)
    return request_id


def approval_pending(*, serial: str) -> list[dict]:
    """The requests waiting for *Godkend* in this app."""
    rows = []
    for request_id in cache.get(_pending_key(serial)) or []:
        entry = cache.get(_approval_key(request_id))
        if entry and entry["status"] == "pending" and serial in entry["serials"]:
            rows.append({"id": request_id, "organisation": entry["requester"]})
    return rows


def approval_decide(*, serial: str, request_id: str, approve: bool) -> None:
    """*Godkend* or *Afvis* in the app."""
    entry = cache.get(_approval_key(request_id))
    if not entry or entry["status"] != "pending" or serial not in entry["serials"]:
        raise RuleError("not_pending", _("Anmodningen er ikke længere aktiv."))
    entry["status"] = "approved" if approve else "rejected"
    entry["serial"] = serial
    cache.set(_approval_key(request_id), entry, timeout=APPROVAL_LIFETIME)


def approval_status(*, request_id: str) -> str:
    entry = cache.get(_approval_key(request_id))
    return entry["status"] if entry else "expired"


def approval_consume(*, request_id: str) -> str | None:
    """The approving app's serial, once; None while the request is not approved."""
    entry = cache.get(_approval_key(request_id))
    if not entry or entry["status"] != "approved":
        return None
    cache.delete(_approval_key(request_id))
    return entry["serial"]
