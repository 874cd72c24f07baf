"""Logging in and out of MitID Erhverv from the front page with private MitID (G3.3, G3.4)."""

import hmac
import secrets

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activation.models import BoundMeans
from activation.services.login import portal_login
from mitid_portal import outside
from mitid_portal.identity import (
    LOGIN_NEXT_SESSION_KEY,
    LOGIN_STATE_SESSION_KEY,
    identity_current,
    identity_get,
    identity_store,
)
from users.selectors import users_for_private_mitid_login


@require_GET
def login_start(request):
    """*Log på MitID Erhverv* (G3.3): send the browser to the private MitID login (G3.4)."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    state = secrets.token_urlsafe(24)
    request.session[LOGIN_STATE_SESSION_KEY] = state
    request.session[LOGIN_NEXT_SESSION_KEY] = next_url
    return redirect(
        outside.mitid_broker().login_url(
            client="MitID Erhverv",
            return_url=reverse("login:callback"),
            state=state,
        )
    )


@require_GET
def login_callback(request):
    """The broker's answer: a one-time code that is traded for the person's identity."""
    expected = request.session.pop(LOGIN_STATE_SESSION_KEY, None)
    state = request.GET.get("state", "")
    code = request.GET.get("code", "")
    if not expected or not code or not hmac.compare_digest(expected, state):
        messages.error(request, _("Login mislykkedes. Prøv igen."))
        return redirect("portal:home")
    identity = outside.mitid_broker().exchange(code=code)
    if identity is None:
        messages.error(request, _("Login mislykkedes. Prøv igen."))
        return redirect("portal:home")
    next_url = request.session.pop(LOGIN_NEXT_SESSION_KEY, "")
    if request.user.is_authenticated:
        logout(request)
    identity_store(request, identity)
    candidates = list(users_for_private_mitid_login(cpr_hash=identity_get(request)["cpr_hash"]))
    if len(candidates) == 1:
        portal_login(request, user=candidates[0], means=BoundMeans.Kind.PRIVATE, identity=identity)
    elif len(candidates) > 1:
        request.session[LOGIN_NEXT_SESSION_KEY] = next_url
        return redirect("login:choose_organisation")
    messages.success(request, _("Du er logget ind som %(name)s.") % {"name": identity.full_name})
    return redirect(next_url or "portal:home")


@require_http_methods(["GET", "POST"])
def choose_organisation(request):
    """A person who is a user in several organisations chooses which one to work in."""
    identity = identity_get(request)
    if identity is None:
        return redirect("login:start")
    candidates = users_for_private_mitid_login(cpr_hash=identity["cpr_hash"])
    if request.method == "POST":
        try:
            chosen = candidates.get(pk=int(request.POST.get("user", "")))
        except (ValueError, candidates.model.DoesNotExist) as exc:
            raise Http404 from exc
        next_url = request.session.pop(LOGIN_NEXT_SESSION_KEY, "")
        portal_login(
            request, user=chosen, means=BoundMeans.Kind.PRIVATE, identity=identity_current(request)
        )
        return redirect(next_url or "portal:home")
    return render(request, "portal/choose_organisation.html", {"candidates": candidates})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("Du er logget af."))
    return redirect("portal:home")
