"""Rate limits, counted in the shared cache (Redis or the database cache), so a limit holds across
every web process.

The login limits read ``LOGIN_RATE_LIMIT`` attempts per ``LOGIN_RATE_WINDOW`` seconds (README,
"Settings"); other limits name their own numbers.
"""

from django.conf import settings
from django.core.cache import cache


def rate_count_add(*, key: str, window: int) -> int:
    """Count one event under ``key`` in the window of ``window`` seconds that began with the
    first of them; returns the count so far."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def rate_count(*, key: str) -> int:
    """The events counted under ``key`` in its current window."""
    return cache.get(key) or 0


def rate_limit_hit(*, key: str, limit: int, window: int) -> bool:
    """Count one attempt under ``key``; False once more than ``limit`` attempts fell within the
    ``window`` seconds that began with the first of them."""
    return rate_count_add(key=key, window=window) <= limit


def login_rate_hit(*, key: str) -> bool:
    """Count one login attempt under ``key`` against the login limit of the settings."""
    return rate_limit_hit(
        key=key, limit=settings.LOGIN_RATE_LIMIT, window=settings.LOGIN_RATE_WINDOW
    )
