"""Rate limits that hold under concurrency: a try is RESERVED atomically before the secret is
evaluated (count after the increment <= limit: allowed), never checked first and counted after.

With Redis (``REDIS_URL``: the shared cache is ``RedisCache``) a counter is one ``INCR`` (and an
``EXPIRE`` on the first), run as one script, so it is atomic across every web process. Without
Redis the database cache's ``incr`` is a read and a write, so the counter is a ``RateCounter`` row
raised by one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement (atomic on SQLite and on
PostgreSQL, whatever the caller's transaction).

Keys of accounts name the active sandbox (``account_key``: persona user names and bruger-IDs repeat
in every sandbox); keys of client addresses (``address_key``, from
``mitid_portal.clientip.client_address``) are global. The login limits read ``LOGIN_RATE_LIMIT``
tries per ``LOGIN_RATE_WINDOW`` seconds (README, "Settings"); other limits name their own numbers.
"""

import contextlib
import datetime
import hashlib
import ipaddress
import re

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connection
from django.db.models import F
from django.utils import timezone

from mitid_portal.models import RateCounter
from mitid_portal.sandbox import sandbox_active

__all__ = [
    "account_key",
    "address_key",
    "login_rate_hit",
    "rate_count",
    "rate_count_add",
    "rate_counters_sweep",
    "rate_limit_hit",
    "rate_release",
    "rate_reserve",
    "rate_reserve_all",
]

# INCR, and an expiry for a new key (or one that somehow lost its expiry): one atomic step.
_INCR = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
# One statement, so atomic whatever runs in parallel (the row is locked by the upsert itself).
_UPSERT = (
    'INSERT INTO "mitid_portal_ratecounter" ("key", "count", "window_ends_at") VALUES (%s, 1, %s) '
    'ON CONFLICT ("key") DO UPDATE SET "count" = CASE '
    'WHEN "mitid_portal_ratecounter"."window_ends_at" <= %s THEN 1 '
    'ELSE "mitid_portal_ratecounter"."count" + 1 END, "window_ends_at" = CASE '
    'WHEN "mitid_portal_ratecounter"."window_ends_at" <= %s THEN EXCLUDED."window_ends_at" '
    'ELSE "mitid_portal_ratecounter"."window_ends_at" END '
    'RETURNING "count"'
)
_DECR = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


_PLAIN = re.compile(r"[\w.@+-]{1,100}", re.ASCII)


def account_key(kind: str, account: str) -> str:
    """The key of an account's counter, in the active sandbox (0 outside any). An account name
    with other characters than letters, digits and ``.@+-_`` (typed by anyone) is hashed."""
    if not _PLAIN.fullmatch(account):
        account = hashlib.sha256(account.encode()).hexdigest()
    return f"{kind}:sb{sandbox_active() or 0}:{account}"


def address_key(kind: str, address: str | None) -> str:
    """The key of a client address's counter; the same in every sandbox. An IPv6 client is
    counted by its /64 (one subscriber's network holds 2**64 addresses to rotate through)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        ip = None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return f"{kind}:ip:{address or '-'}"


def _stored(key: str) -> str:
    """Keys fit the counter's column (and memcached-style limits): a long one is hashed."""
    if len(key) <= 200:
        return key
    return f"{key[:100]}:{hashlib.sha256(key.encode()).hexdigest()}"


def _redis_client(key: str):
    cache = caches["default"]
    full_key = cache.make_and_validate_key(key)
    return full_key, cache._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]


def _uses_redis() -> bool:
    return isinstance(caches["default"], RedisCache)


def _db_value(moment: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def rate_count_add(*, key: str, window: int) -> int:
    """Count one try under ``key`` in the window of ``window`` seconds that began with the first
    of them, atomically; returns the count including this one."""
    key = _stored(key)
    if _uses_redis():
        full_key, client = _redis_client(key)
        return int(client.eval(_INCR, 1, full_key, window))
    now = timezone.now()
    ends = _db_value(now + datetime.timedelta(seconds=window))
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [key, ends, _db_value(now), _db_value(now)])
        count = int(cursor.fetchone()[0])
    if count == 1 and not connection.in_atomic_block:
        # A new window: the moment to drop the rows whose windows ended (indexed; no job needed).
        # Housekeeping only: a sweep that loses a lock race to another one is left to the next.
        with contextlib.suppress(DatabaseError):
            rate_counters_sweep(now=now)
    return count


def rate_release(*, key: str) -> None:
    """Give back one reserved try (a try that turned out right need not count against the
    account or the address); never below zero."""
    key = _stored(key)
    if _uses_redis():
        full_key, client = _redis_client(key)
        client.eval(_DECR, 1, full_key)
        return
    RateCounter.objects.filter(key=key, count__gt=0).update(count=F("count") - 1)


def rate_count(*, key: str) -> int:
    """The tries counted under ``key`` in its current window."""
    key = _stored(key)
    if _uses_redis():
        return int(caches["default"].get(key) or 0)
    row = RateCounter.objects.filter(key=key, window_ends_at__gt=timezone.now()).first()
    return row.count if row is not None else 0


def rate_reserve(*, key: str, limit: int, window: int) -> bool:
    """Reserve one try under ``key`` before the secret is evaluated: True while the count after
    this try is within ``limit`` in the ``window`` seconds that began with the first try. A
    refused try still counts (more tries only keep the key locked)."""
    return rate_count_add(key=key, window=window) <= limit


def rate_reserve_all(*, limits: list[tuple[str, int]], window: int) -> bool:
    """Reserve one try under every ``(key, limit)``; True only when each allows it. Each key is
    counted even when another refuses, so an account and an address are limited independently."""
    allowed = [rate_reserve(key=key, limit=limit, window=window) for key, limit in limits]
    return all(allowed)


def rate_counters_sweep(*, now: datetime.datetime | None = None) -> int:
    """Delete the database counters whose window has ended (run whenever a counter starts a new
    window); a key tried again starts a new row. Redis expires its own keys."""
    deleted, _by_model = RateCounter.objects.filter(
        window_ends_at__lte=now or timezone.now()
    ).delete()
    return deleted


# The names the callers have always used: both reserve first.
rate_limit_hit = rate_reserve


def login_rate_hit(*, key: str) -> bool:
    """Reserve one login try under ``key`` against the login limit of the settings."""
    return rate_reserve(key=key, limit=settings.LOGIN_RATE_LIMIT, window=settings.LOGIN_RATE_WINDOW)
