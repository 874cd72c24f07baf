"""Rate limits, counted in the shared cache (Redis or the database cache), so a limit holds across
every web process.

The login limits read ``LOGIN_RATE_LIMIT`` attempts per ``LOGIN_RATE_WINDOW`` seconds (README,
"Settings"); other limits name their own numbers.
"""

from django.conf import settings
from django.core.cache import cache


def rate_limit_hit(*, key: str, limit: int, window: int) -> bool:
    """Count one attempt under ``key``; False once more than ``limit`` attempts fell within the
    ``window`` seconds that began with the first of them."""
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit


def login_rate_hit(*, key: str) -> bool:
    """Count one login attempt under ``key`` against the login limit of the settings."""
    return rate_limit_hit(
        key=key, limit=settings.LOGIN_RATE_LIMIT, window=settings.LOGIN_RATE_WINDOW
    )
