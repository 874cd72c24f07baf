"""The pages of the exercises (øvelser): start one, bring a colleague in by an invitation link,
reset one to the start, leave one. Hosted only (``SANDBOXES`` on); on a laptop the one exercise is
the default sandbox and /oevelse/ only says so.

The invitation token is stored only as a keyed hash, so the plain link can be shown only while
the session that made it lasts (right after *Start en øvelse* or *Lav et nyt invitationslink*).
An invitation link follows the emailed-link rule (STYLE.md, "Views"): its GET checks the token,
moves it into the session and redirects to a URL without it; joining is a POST.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitid_portal.clientip import client_address
from mitid_portal.errors import RuleError
from mitid_portal.forms import PortalForm
from mitid_portal.models import Sandbox
from mitid_portal.ratelimit import address_key, rate_limit_hit
from mitid_portal.sandbox_middleware import sandbox_cookie_clear, sandbox_cookie_set
from mitid_portal.sandboxes import (
    sandbox_by_invite_token,
    sandbox_create,
    sandbox_invite_token_new,
    sandbox_live,
    sandbox_reset,
)

# Starting an exercise copies the whole demo world: at most this many per client address an hour.
START_LIMIT = 10
START_WINDOW = 60 * 60

# The session's keys: the plain invitation token of the exercise the session made or renewed,
# and the token of an invitation link being followed.
SESSION_INVITE = "sandbox_invite"
SESSION_JOIN = "sandbox_join"


class SandboxStartForm(PortalForm):
    name = forms.CharField(
        label=gettext_lazy("Navn på øvelsen (valgfrit)"),
        help_text=gettext_lazy(
            "Fx jeres praksis eller dit navn, så en kollega kan se, hvis øvelse invitationen er til."
        ),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-input", "autocomplete": "off"}),
    )


def hosted_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """On a laptop there is one exercise and nothing to start, join, reset or leave: 404."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SANDBOXES:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _own_sandbox(request: HttpRequest) -> Sandbox | None:
    return sandbox_live(getattr(request, "sandbox_id", None))


def _own_sandbox_or_404(request: HttpRequest) -> Sandbox:
    sandbox = _own_sandbox(request)
    if sandbox is None:
        raise Http404
    return sandbox


def _client_key(request: HttpRequest) -> str:
    return address_key("sandbox-start", client_address(request))


def _enter(
    request: HttpRequest, sandbox: Sandbox, *, invite_token: str | None = None
) -> HttpResponse:
    """The browser becomes a member of ``sandbox`` (until it expires) and starts afresh: whoever
    was logged in belonged to the world it left."""
    logout(request)
    if invite_token:
        request.session[SESSION_INVITE] = {"sandbox": sandbox.pk, "token": invite_token}
    response = redirect("portal:home")
    assert sandbox.expires_at is not None  # only the default sandbox never expires
    sandbox_cookie_set(response, sandbox_id=sandbox.pk, expires_at=sandbox.expires_at.timestamp())
    return response


def _invite_url(request: HttpRequest, sandbox: Sandbox) -> str | None:
    """The absolute invitation link, while this session knows its token."""
    invite = request.session.get(SESSION_INVITE)
    if not isinstance(invite, dict) or invite.get("sandbox") != sandbox.pk:
        return None
    return request.build_absolute_uri(reverse("sandbox:join", args=[invite["token"]]))


def _start_page(
    request: HttpRequest,
    form: SandboxStartForm,
    *,
    status: int = 200,
    throttled: bool = False,
    refusal: str = "",
) -> HttpResponse:
    context = {
        "form": form,
        "throttled": throttled,
        "refusal": refusal,
        "lifetime_days": settings.SANDBOX_LIFETIME_DAYS,
    }
    return render(request, "portal/sandbox_start.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """*Øvelse*: what an exercise is and *Start en øvelse*; for a member, *Din øvelse*."""
    if not settings.SANDBOXES:
        if request.method == "POST":
            raise Http404
        return render(request, "portal/sandbox_laptop.html")
    sandbox = _own_sandbox(request)
    if request.method == "POST":
        form = SandboxStartForm(request.POST)
        if not form.is_valid():
            return _start_page(request, form, status=400)
        if not rate_limit_hit(key=_client_key(request), limit=START_LIMIT, window=START_WINDOW):
            return _start_page(request, form, status=429, throttled=True)
        try:
            sandbox, token = sandbox_create(name=form.cleaned_data["name"])
        except RuleError as exc:
            return _start_page(request, form, status=503, refusal=str(exc.message))
        return _enter(request, sandbox, invite_token=token)
    if sandbox is None:
        response = _start_page(request, SandboxStartForm())
        if settings.SANDBOX_COOKIE_NAME in request.COOKIES:
            sandbox_cookie_clear(response)  # an exercise that expired or was deleted
        return response
    return render(
        request,
        "portal/sandbox_mine.html",
        {"sandbox": sandbox, "invite_url": _invite_url(request, sandbox)},
    )


@never_cache
@hosted_only
@require_POST
def invite_new(request: HttpRequest) -> HttpResponse:
    """*Lav et nyt invitationslink*: the old link stops working."""
    sandbox = _own_sandbox_or_404(request)
    token = sandbox_invite_token_new(sandbox)
    request.session[SESSION_INVITE] = {"sandbox": sandbox.pk, "token": token}
    messages.success(request, _("Der er lavet et nyt invitationslink. Det gamle virker ikke mere."))
    return redirect("sandbox:start")


@never_cache
@hosted_only
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest) -> HttpResponse:
    """*Nulstil øvelsen*: everything back to the start, after a confirmation."""
    sandbox = _own_sandbox_or_404(request)
    if request.method == "GET":
        return render(request, "portal/sandbox_reset.html", {"sandbox": sandbox})
    invite = request.session.get(SESSION_INVITE)
    fresh = sandbox_reset(sandbox)
    logout(request)  # the users of the old world are gone
    if invite:
        request.session[SESSION_INVITE] = invite  # the invitation link keeps working
    messages.success(request, _("Øvelsen er nulstillet. Alt er som da øvelsen startede."))
    response = redirect("portal:home")
    assert fresh.expires_at is not None
    sandbox_cookie_set(response, sandbox_id=fresh.pk, expires_at=fresh.expires_at.timestamp())
    return response


@never_cache
@hosted_only
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """*Forlad øvelsen*: this browser is no longer a member (the exercise lives on)."""
    logout(request)
    messages.info(request, _("Du har forladt øvelsen."))
    response = redirect("sandbox:start")
    sandbox_cookie_clear(response)
    return response


@never_cache
@hosted_only
@require_GET
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: checked, moved into the session, and off the address bar."""
    if sandbox_by_invite_token(token) is None:
        return render(request, "portal/sandbox_join_invalid.html", status=404)
    request.session[SESSION_JOIN] = token
    return redirect("sandbox:join_confirm")


@never_cache
@hosted_only
@require_http_methods(["GET", "POST"])
def join_confirm(request: HttpRequest) -> HttpResponse:
    """*Deltag i øvelsen*: whose exercise it is, and joining it on POST."""
    sandbox = sandbox_by_invite_token(str(request.session.get(SESSION_JOIN, "")))
    if sandbox is None:
        return render(request, "portal/sandbox_join_invalid.html", status=404)
    if request.method == "POST":
        return _enter(request, sandbox)
    member = getattr(request, "sandbox_id", None) == sandbox.pk
    return render(request, "portal/sandbox_join.html", {"sandbox": sandbox, "member": member})
