"""The simulated private MitID: the login broker, the MitID app and the devices' own pages."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mitid_portal.clientip import client_address
from mitid_portal.errors import RuleError
from mitid_portal.ratelimit import rate_limit_hit
from simulators.mitid import selectors, services, totp
from simulators.mitid.forms import CodeForm, LoginStartForm
from simulators.mitid.models import Device, LoginRequest

RETURN_URL_MAX_LENGTH = LoginRequest._meta.get_field("return_url").max_length

SESSION_REQUESTS = "mitid_login_requests"
START_LIMIT = 30  # new logins per address per 5 minutes


def _client_ip(request) -> str:
    return client_address(request)


def _own_request(request, request_id) -> LoginRequest:
    """Only the browser that started a login may follow it (the id alone is not enough)."""
    if str(request_id) not in request.session.get(SESSION_REQUESTS, []):
        raise Http404
    try:
        return LoginRequest.objects.get(pk=request_id)
    except LoginRequest.DoesNotExist as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
def login(request):
    """The broker's first page (G2.2, G3.4, G6.3): *Log ind med MitID* – the user name."""
    params = request.POST if request.method == "POST" else request.GET
    client = params.get("client", "")[:100] or "MitID"
    return_url = params.get("return_url", "")
    state = params.get("state", "")[:100]
    if (
        not return_url
        or len(return_url) > RETURN_URL_MAX_LENGTH
        or not url_has_allowed_host_and_scheme(return_url, allowed_hosts={request.get_host()})
    ):
        return render(request, "mitid/login_invalid.html", status=400)
    form = LoginStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        key = f"mitid-login-start:{_client_ip(request)}"
        if not rate_limit_hit(key=key, limit=START_LIMIT, window=300):
            messages.error(request, _("For mange forsøg. Vent et par minutter, og prøv igen."))
        else:
            try:
                login_request = services.login_request_start(
                    username=form.cleaned_data["username"],
                    client=client,
                    return_url=return_url,
                    state=state,
                    method=form.cleaned_data["method"],
                )
            except RuleError as exc:
                form.add_error("username", exc.message)
            else:
                request.session[SESSION_REQUESTS] = [
                    *request.session.get(SESSION_REQUESTS, [])[-9:],
                    str(login_request.pk),
                ]
                return redirect("mitid:login_wait", request_id=login_request.pk)
    return render(
        request,
        "mitid/login.html",
        {"form": form, "client": client, "return_url": return_url, "state": state},
    )


@require_http_methods(["GET", "POST"])
def login_wait(request, request_id):
    """Waiting for approval in the app, or asking for the code from the kodeviser."""
    login_request = _own_request(request, request_id)
    if login_request.method == LoginRequest.Method.CODE:
        form = CodeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.login_request_verify_code(
                    request_id=login_request.pk,
                    code=form.cleaned_data["code"],
                    address=_client_ip(request),
                )
            except RuleError as exc:
                form.add_error("code", exc.message)
                login_request.refresh_from_db()
            else:
                return redirect("mitid:login_finish", request_id=login_request.pk)
        return render(
            request, "mitid/login_code.html", {"login_request": login_request, "form": form}
        )
    return render(request, "mitid/login_wait.html", {"login_request": login_request})


@require_GET
def login_status(request, request_id):
    """Polled by htmx on the waiting page; on approval it sends the browser on."""
    login_request = _own_request(request, request_id)
    if login_request.status == LoginRequest.Status.PENDING and login_request.is_expired:
        login_request.status = LoginRequest.Status.EXPIRED
    if login_request.status == LoginRequest.Status.APPROVED:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("mitid:login_finish", args=[login_request.pk])
        return response
    return render(request, "mitid/_login_status.html", {"login_request": login_request})


@require_GET
def login_finish(request, request_id):
    """Back to the service that asked, with a one-time code it trades for the identity."""
    login_request = _own_request(request, request_id)
    if login_request.status == LoginRequest.Status.PENDING:
        return redirect("mitid:login_wait", request_id=login_request.pk)
    try:
        login_request, code = services.login_request_finish(request_id=login_request.pk)
    except RuleError:
        return render(
            request, "mitid/login_failed.html", {"login_request": login_request}, status=403
        )
    query = urlencode({"code": code, "state": login_request.state})
    separator = "&" if "?" in login_request.return_url else "?"
    return redirect(f"{login_request.return_url}{separator}{query}")


@require_GET
def accounts(request):
    """Every person with a private MitID, with links to their app and devices."""
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.accounts_list(search=search), 50).get_page(request.GET.get("side"))
    return render(request, "mitid/accounts.html", {"page": page, "search": search})


@require_GET
def app(request, username):
    """The simulated MitID app on the person's phone: pending requests with *Godkend*/*Afvis*."""
    account = selectors.account_get(username=username)
    context = {"account": account, "pending": selectors.pending_requests(account=account)}
    if request.headers.get("HX-Request"):
        return render(request, "mitid/_app_pending.html", context)
    devices = account.devices.all()
    return render(request, "mitid/app.html", {**context, "devices": devices})


@require_POST
def app_decide(request, username, request_id):
    account = selectors.account_get(username=username)
    approve = request.POST.get("decision") == "approve"
    try:
        services.login_request_decide(request_id=request_id, account=account, approve=approve)
    except RuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Du har godkendt login.") if approve else _("Du har afvist login.")
        )
    return redirect("mitid:app", username=account.username)


@require_GET
def device(request, serial):
    """A device "in the hand": the kodeviser's current code, the chip's button."""
    device = selectors.device_get(serial=serial)
    context = {"device": device}
    if device.kind in (Device.Kind.KODEVISER, Device.Kind.KODEOPLAESER):
        context.update(code=totp.code_at(device.totp_secret), seconds_left=totp.seconds_left())
    if request.headers.get("HX-Request"):
        return render(request, "mitid/_device_code.html", context)
    return render(request, "mitid/device.html", context)


@require_POST
def device_press(request, serial):
    device = selectors.device_get(serial=serial)
    if device.kind != Device.Kind.CHIP:
        raise Http404
    services.device_press(device=device)
    messages.success(request, _("Du har trykket på chippen."))
    return redirect("mitid:device", serial=device.serial)
