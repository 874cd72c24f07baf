"""Encryption and keyed hashing of personal data and secrets.

CPR numbers are encrypted with Fernet under CPR_ENCRYPTION_KEYS (MultiFernet: the first key
encrypts, every key decrypts, so keys can be rotated) and looked up through an HMAC-SHA256 under
PII_HASH_KEY. Activation tokens and codes are stored only as such keyed hashes: thousands are made
at once in a bulk activation, so a slow password hash would be wrong, and attempt limits stop
brute force.
"""

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CPR_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:  # a key was removed before rotation finished
        raise ValueError("cannot decrypt: no configured key fits") from exc


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first (newest) key."""
    return fernet().rotate(ciphertext.encode()).decode()


@functools.lru_cache(maxsize=64)
def _purpose_key(purpose: str, secret: str) -> bytes:
    """The HMAC key of one purpose, derived once (a bulk activation hashes 100,000 values); keyed
    by the secret too, so a changed PII_HASH_KEY (tests' override_settings) takes effect."""
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of ``value`` under PII_HASH_KEY, separated by ``purpose``; hex, 64 characters."""
    key = _purpose_key(purpose, settings.PII_HASH_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def keyed_hasher(purpose: str) -> Callable[[str], str]:
    """:func:`keyed_hash` of one purpose for many values (a bulk activation's 100,000 tokens and
    codes): the key is looked up once."""
    key, new, sha256 = _purpose_key(purpose, settings.PII_HASH_KEY), hmac.new, hashlib.sha256

    def hash_one(value: str) -> str:
        return new(key, value.encode(), sha256).hexdigest()

    return hash_one


def hashes_match(value: str, expected_hash: str, *, purpose: str) -> bool:
    return hmac.compare_digest(keyed_hash(value, purpose=purpose), expected_hash)


def cpr_hash(cpr: str) -> str:
    return keyed_hash(cpr, purpose="cpr")


def random_token() -> str:
    """A URL-safe random token of 256 bits."""
    return secrets.token_urlsafe(32)


def random_digits(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))
