"""The client's address: ``REMOTE_ADDR``, or, behind ``TRUSTED_PROXY_COUNT`` proxies of the host's
own, the address the outermost of them saw (README, "Settings").

Each trusted proxy appends the address it received the request from to ``X-Forwarded-For``, so
with N trusted proxies the client is the N-th entry from the right of ``X-Forwarded-For`` +
``REMOTE_ADDR``; everything left of it was written by the client and is never believed. With 0
(the default) the header is ignored: a direct client cannot choose its address by forging it.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (empty when there is none)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    chain = [*forwarded, remote]
    # A request that came past fewer proxies than configured: the farthest address there is.
    candidate = chain[-(hops + 1)] if len(chain) > hops else chain[0]
    return candidate if _valid(candidate) else remote
