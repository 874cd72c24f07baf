"""Every request runs in one sandbox (``mitid_portal.sandbox``): the default one on a laptop, the
visitor's own exercise when hosted. The exercise is named by a signed cookie that lives as long as
the exercise (a login session lasts hours; an exercise lasts weeks)."""

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mitid_portal.models import Sandbox
from mitid_portal.registry import api_resolver_for
from mitid_portal.sandbox import (
    DEFAULT_SANDBOX_ID,
    NO_SANDBOX_ID,
    sandbox_scope,
    sandbox_scoped_iter,
)

COOKIE_SALT = "mitid_portal.sandbox"

# The simulated world's pages (mounted in mitid_portal.urls): without an exercise they do not exist.
SIMULATOR_PREFIXES = ("/simulator/", "/saerskilt-mitid/app/")
# What a hosted visitor without an exercise may open; everything else leads to "Start en øvelse".
OPEN_PREFIXES = ("/oevelse/", "/i18n/", "/static/", "/favicon")


def sandbox_cookie_set(response: HttpResponse, *, sandbox_id: int, expires_at: float) -> None:
    """Make the browser a member of the exercise ``sandbox_id`` until ``expires_at`` (epoch)."""
    response.set_signed_cookie(
        settings.SANDBOX_COOKIE_NAME,
        f"{sandbox_id}:{int(expires_at)}",
        salt=COOKIE_SALT,
        max_age=max(0, int(expires_at - time.time())),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def sandbox_cookie_clear(response: HttpResponse) -> None:
    response.delete_cookie(settings.SANDBOX_COOKIE_NAME, samesite="Lax")


def sandbox_of_request(request: HttpRequest) -> int | None:
    """The sandbox the request runs in: None (every sandbox) on the operator pages, the default
    sandbox on a laptop, else the visitor's unexpired exercise or ``NO_SANDBOX_ID``."""
    if request.path_info.startswith("/" + settings.OPERATOR_PATH):
        return None
    if not settings.SANDBOXES:
        return DEFAULT_SANDBOX_ID
    resolver = api_resolver_for(request.path_info)
    if resolver is not None:
        # A machine-to-machine call: the credential, not a cookie, names the exercise.
        with sandbox_scope(None):
            credential_sandbox = resolver(request)
        return _live(credential_sandbox)
    try:
        value = str(request.get_signed_cookie(settings.SANDBOX_COOKIE_NAME, salt=COOKIE_SALT))
        sandbox_id, expires_at = (int(part) for part in value.split(":"))
    except (KeyError, signing.BadSignature, ValueError):
        return NO_SANDBOX_ID
    if expires_at <= time.time():
        return NO_SANDBOX_ID
    return _live(sandbox_id)


def _live(sandbox_id: int | None) -> int:
    """``sandbox_id`` if it is a visitor's exercise that still exists, else ``NO_SANDBOX_ID``."""
    if sandbox_id is None or sandbox_id in (NO_SANDBOX_ID, DEFAULT_SANDBOX_ID):
        return NO_SANDBOX_ID
    # An exercise an operator deleted before its time: the cookie is still good, the world gone.
    if not Sandbox.objects.filter(pk=sandbox_id).exists():
        return NO_SANDBOX_ID
    return sandbox_id


class SandboxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sandbox_id = sandbox_of_request(request)
        request.sandbox_id = sandbox_id  # type: ignore[attr-defined]
        # Production without exercises runs only with a real outside world (mitid_portal.checks):
        # the simulators' pages are then not there at all.
        no_simulators = settings.PRODUCTION and not settings.SANDBOXES
        if no_simulators and request.path_info.startswith(SIMULATOR_PREFIXES):
            request.user = AnonymousUser()  # before authentication
            return render(request, "404.html", status=404)
        api = api_resolver_for(request.path_info) is not None
        # A machine-to-machine call without a valid credential runs in no exercise and is refused
        # by its view (401), not sent to "Start en øvelse".
        if (
            sandbox_id == NO_SANDBOX_ID
            and not api
            and not request.path_info.startswith(OPEN_PREFIXES)
        ):
            if request.path_info.startswith(SIMULATOR_PREFIXES):
                request.user = AnonymousUser()  # before authentication
                return render(request, "404.html", status=404)
            return redirect("sandbox:start")
        with sandbox_scope(sandbox_id):
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = sandbox_scoped_iter(
                response.streaming_content,
                sandbox_id,
            )
        return response
