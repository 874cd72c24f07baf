"""*Log på MitID Erhverv* with the bruger-ID of a separate MitID and one of its bound means: a
code from the kodeviser or kodeoplæser, a press on the chip, or an approval in the MitID app."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_stubs_ext import StrPromise

from activation.separate import forms, selectors, services
from activation.services.login import portal_login
from mitid_portal.clientip import client_address
from mitid_portal.errors import RuleError
from mitid_portal.outside import DeviceRecord
from users.models import User

LOGIN_KEY = "separate_login"
CHOICE_KEY = "separate_login_choice"
NEXT_KEY = "separate_login_next"  # where to go after the login (the login broker's authorize)


def _address(request) -> str:
    return client_address(request)


@require_http_methods(["GET", "POST"])
def login_start(request):
    """*Log på MitID Erhverv* with the bruger-ID of a separate MitID."""
    form = forms.LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        # Each visit says where it leads: a later plain login must not inherit an earlier next.
        request.session.pop(NEXT_KEY, None)
        next_url = request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        if next_url and safe:
            request.session[NEXT_KEY] = next_url
    if request.method == "POST" and form.is_valid():
        bruger_id = form.cleaned_data["bruger_id"].strip()
        method = form.cleaned_data["method"]
        try:
            services.login_throttle_check(bruger_id=bruger_id, address=_address(request))
            request_id = (
                services.login_app_request_start(bruger_id=bruger_id, address=_address(request))
                if method == "app"
                else ""
            )
        except RuleError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(CHOICE_KEY, None)
            request.session[LOGIN_KEY] = {
                "bruger_id": bruger_id,
                "method": method,
                "started_at": timezone.now().isoformat(),
                "request_id": request_id,
            }
            return redirect("separate:login_verify")
    return render(request, "separate/login.html", {"form": form})


@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The approval with the chosen means: the code, a press on the chip, or the app."""
    state = request.session.get(LOGIN_KEY)
    if state is None:
        return redirect("separate:login")
    method = state["method"]
    form = (
        forms.DeviceCodeForm(request.POST if request.method == "POST" else None)
        if method == "code"
        else None
    )
    error = None
    if request.method == "POST":
        result, error = _login_check(request, state, form)
        if result is not None:
            return _login_finish(request, *result)
    status = services.login_app_status(request_id=state["request_id"]) if method == "app" else ""
    return render(
        request,
        "separate/login_verify.html",
        {"state": state, "form": form, "error": error, "status": status},
    )


def _login_check(
    request, state: dict, form
) -> tuple[tuple[User, DeviceRecord] | None, str | StrPromise | None]:
    """The user and the device that proved the login, or None with the error to show (a wrong
    code goes onto the form instead)."""
    address = _address(request)
    try:
        if state["method"] == "code":
            if not form.is_valid():
                return None, None
            return services.login_code_verify(
                bruger_id=state["bruger_id"], code=form.cleaned_data["code"], address=address
            ), None
        if state["method"] == "chip":
            return services.login_chip_verify(
                bruger_id=state["bruger_id"],
                since=datetime.datetime.fromisoformat(state["started_at"]),
                address=address,
            ), None
    except RuleError as exc:
        if form is not None and exc.field == "code":
            form.add_error("code", exc.message)
            return None, None
        return None, exc.message
    try:
        result = services.login_app_finish(
            request_id=state["request_id"], bruger_id=state["bruger_id"], address=address
        )
    except RuleError as exc:
        return None, exc.message
    if result is not None:
        return result, None
    if services.login_app_status(request_id=state["request_id"]) == "pending":
        return None, _("Login er ikke godkendt endnu. Godkend i MitID app.")
    request.session.pop(LOGIN_KEY, None)
    return None, _("Login blev afvist eller er udløbet. Start forfra.")


@require_GET
def login_status(request):
    """Polled by htmx while the app approval is pending."""
    state = request.session.get(LOGIN_KEY)
    if state is None or state["method"] != "app":
        raise Http404
    status = services.login_app_status(request_id=state["request_id"])
    return render(request, "separate/_login_status.html", {"status": status})


def _login_finish(request, user: User, device: DeviceRecord):
    request.session.pop(LOGIN_KEY, None)
    candidates = selectors.login_candidates(user=user, device=device)
    if len(candidates) > 1:
        request.session[CHOICE_KEY] = {"user_ids": [u.pk for u in candidates], "means": device.kind}
        return redirect("separate:login_choose")
    return _sign_in(request, user, device.kind)


def _sign_in(request, user: User, means: str):
    next_url = request.session.pop(NEXT_KEY, "")  # before the login renews the session
    portal_login(request, user=user, means=means)
    messages.success(request, _("Du er logget ind som %(name)s.") % {"name": user.full_name})
    return redirect(next_url or "employee:profile")


@require_http_methods(["GET", "POST"])
def login_choose(request):
    """A shared means (*delt identifikationsmiddel*): choose the organisation to work in."""
    choice = request.session.get(CHOICE_KEY)
    if not choice:
        return redirect("separate:login")
    candidates = [
        u
        for pk in choice["user_ids"]
        if (u := selectors.login_user_for(user_id=pk)) is not None and u.organisation
    ]
    if not candidates:
        request.session.pop(CHOICE_KEY, None)
        return redirect("separate:login")
    form = forms.OrganisationChoiceForm(
        request.POST if request.method == "POST" else None, candidates=candidates
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(u for u in candidates if u.pk == form.cleaned_data["user"])
        request.session.pop(CHOICE_KEY, None)
        return _sign_in(request, chosen, choice["means"])
    return render(request, "separate/login_choose.html", {"form": form})
