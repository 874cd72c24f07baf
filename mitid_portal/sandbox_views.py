"""The pages of the exercises (øvelser): start one, join a colleague's, reset, leave."""

import time

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mitid_portal.sandbox_middleware import sandbox_cookie_set
from mitid_portal.sandboxes import sandbox_create


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        sandbox, _token = sandbox_create()
        logout(request)
        response = redirect("portal:home")
        assert sandbox.expires_at is not None
        sandbox_cookie_set(
            response, sandbox_id=sandbox.pk, expires_at=sandbox.expires_at.timestamp()
        )
        return response
    return render(request, "portal/sandbox_start.html", {"now": time.time()})
