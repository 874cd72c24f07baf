"""Pages of the demo public services ("FMK – øvelse", "Tinglysning – øvelse"): the front page
with *Log på med MitID Erhverv*, the broker's return, the page that shows who logged in (for which
organisation, at which level of assurance, with which rights), the refusal of a user without the
service's right, and logging out at the broker too."""

import logging

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from simulators.publicservices import oidc, selectors
from simulators.publicservices.models import DemoService

log = logging.getLogger(__name__)


def _service(code: str) -> DemoService:
    service = selectors.demo_service_get(code=code)
    if service is None:
        raise Http404
    return service


def _session_key(service: DemoService) -> str:
    return f"publicservices:{service.code}"


def _login(request, service: DemoService) -> oidc.ServiceLogin | None:
    """Who is logged in to ``service`` in this browser (by this exercise's credential)."""
    data = request.session.get(_session_key(service))
    if not data or data.get("client_id") != service.client_id:
        return None
    return oidc.ServiceLogin.from_session(data["login"])


@require_GET
def index(request):
    """The demo public services of the simulated world."""
    return render(
        request, "publicservices/index.html", {"services": selectors.demo_services_list()}
    )


@require_GET
def front(request, code):
    """The service's front page; someone logged in goes on to their page."""
    service = _service(code)
    if _login(request, service) is not None:
        return redirect("simulators:publicservices:me", code=service.code)
    return render(request, "publicservices/front.html", {"service": service})


@require_POST
def login_start(request, code):
    """*Log på med MitID Erhverv*: off to the login broker."""
    service = _service(code)
    try:
        return oidc.login_redirect(request, service)
    except oidc.LOGIN_ERRORS as error:
        log.warning("demo service %s: the broker did not answer: %s", service.code, error)
        return render(
            request,
            "publicservices/failed.html",
            {"service": service, "broker_down": True},
            status=502,
        )


@require_GET
def callback(request, code):
    """The broker's return: finish the login, and let in only a user with the service's right."""
    service = _service(code)
    try:
        login = oidc.login_complete(request, service)
    except oidc.LOGIN_ERRORS as error:
        log.info("demo service %s: login failed: %r", service.code, error)
        return render(
            request,
            "publicservices/failed.html",
            {"service": service, "error": getattr(error, "error", "") or ""},
            status=400,
        )
    if not oidc.has_right(login, service):
        return render(
            request, "publicservices/refused.html", {"service": service, "login": login}, status=403
        )
    request.session[_session_key(service)] = {
        "client_id": service.client_id,
        "login": login.as_session(),
    }
    return redirect("simulators:publicservices:me", code=service.code)


@require_GET
def me(request, code):
    """Who is logged in: the person, the organisation (CVR and name), the level of assurance
    and the rights the broker said they hold for this service."""
    service = _service(code)
    login = _login(request, service)
    if login is None:
        return redirect("simulators:publicservices:front", code=service.code)
    return render(
        request,
        "publicservices/me.html",
        {
            "service": service,
            "login": login,
            "privileges": oidc.privileges_shown(login, service),
        },
    )


@require_POST
def logout(request, code):
    """Log out of the service, and at the broker (RP-initiated logout)."""
    service = _service(code)
    login = _login(request, service)
    request.session.pop(_session_key(service), None)
    if login is None:
        return redirect("simulators:publicservices:front", code=service.code)
    try:
        return HttpResponseRedirect(oidc.logout_url(service, login))
    except oidc.LOGIN_ERRORS as error:
        log.warning("demo service %s: the broker did not answer: %s", service.code, error)
        return redirect("simulators:publicservices:logged_out", code=service.code)


@require_GET
def logged_out(request, code):
    """Where the broker sends the browser back after logging out."""
    service = _service(code)
    return render(request, "publicservices/logged_out.html", {"service": service})
