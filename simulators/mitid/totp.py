"""RFC 6238 time-based one-time codes for the simulated kodeviser and kodeoplæser."""

import base64
import secrets
import time

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

STEP_SECONDS = 30
DIGITS = 6


def new_secret() -> str:
    """A random 160-bit key, base32 as in RFC 6238's reference and authenticator apps."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def _totp(secret: str) -> TOTP:
    # SHA-1 is what RFC 6238 devices use; HMAC-SHA1 is not affected by SHA-1 collisions.
    return TOTP(base64.b32decode(secret), DIGITS, SHA1(), STEP_SECONDS)  # noqa: S303


def code_at(secret: str, at: float | None = None) -> str:
    return _totp(secret).generate(int(at if at is not None else time.time())).decode()


def seconds_left(at: float | None = None) -> int:
    now = at if at is not None else time.time()
    return STEP_SECONDS - int(now) % STEP_SECONDS


def verify(secret: str, code: str, *, at: float | None = None, window: int = 1) -> bool:
    """True if ``code`` is the code of the current step or of ``window`` steps either side
    (clock drift between the device and the server)."""
    if not (code.isascii() and code.isdigit() and len(code) == DIGITS):
        return False
    now = int(at if at is not None else time.time())
    totp = _totp(secret)
    ok = False
    for step in range(-window, window + 1):
        try:
            totp.verify(code.encode(), now + step * STEP_SECONDS)
            ok = True  # keep looping: same work whether or not an early step matched
        except InvalidToken:
            pass
    return ok
