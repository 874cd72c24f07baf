"""The browser side of the login broker: the authorize endpoint (django-oauth-toolkit's, with
the broker's rules) and the login page it sends a visitor who is not logged in to.

A registered service provider is never shown a consent screen (the public broker does not ask);
only an active user of an organisation is let through, every login to a service is recorded, and
``prompt=login`` ends the session's login first so that the person logs in afresh.
"""

from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import AuthorizationView

from broker import selectors, services
from mitid_portal.identity import LOGIN_MEANS_SESSION_KEY, identity_get
from users.models import User


class BrokerAuthorizationView(AuthorizationView):
    """``/broker/authorize/``: the authorization code flow (PKCE required) for service
    providers."""

    login_url = reverse_lazy("oauth2_provider:login")
    # No consent screen is ever shown, so there is no form to POST: every code is issued by the
    # GET below, after the check that the user may log in to services.
    http_method_names = ["get", "head", "options"]

    def handle_prompt_login(self) -> HttpResponse:
        # prompt=login: the person proves who they are again, whatever the session held.
        if self.request.user.is_authenticated:
            logout(self.request)
        return super().handle_prompt_login()

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        prompt = set(request.GET.get("prompt", "").split())
        user = request.user  # logged in: LoginRequiredMixin sent anyone else to log in
        if "login" not in prompt and isinstance(user, User):
            reason = selectors.service_login_refusal(user=user)
            if reason is not None:
                return self._refuse(request, user, reason)
        return super().get(request, *args, **kwargs)

    def handle_no_permission(self) -> HttpResponse:
        # A person who proved who they are with private MitID, but whose users are all
        # suspended, closed or not activated, is refused here rather than sent to log in again.
        identity = identity_get(self.request)
        prompt = set(self.request.GET.get("prompt", "").split())
        if identity is not None and not prompt & {"login", "none"}:
            user = selectors.person_refused_user(cpr_hash=identity["cpr_hash"])
            reason = selectors.service_login_refusal(user=user) if user is not None else None
            if user is not None and reason is not None:
                return self._refuse(self.request, user, reason)
        return super().handle_no_permission()

    def _refuse(self, request: HttpRequest, user: User, reason: str) -> HttpResponse:
        """The user may not log in to services: a page that says why, recorded in the
        Revisionslog, with a way back to the service that answers it ``access_denied``."""
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        client = selectors.service_client_get(client_id=credentials["client_id"])
        back_url = ""
        if client is not None:
            services.service_login_refuse(user=user, client=client, reason=reason, request=request)
            answer = {"error": "access_denied"}
            if credentials.get("state"):
                answer["state"] = credentials["state"]
            answer["iss"] = oauth2_settings.oauth2_authorization_server_issuer(request)
            redirect_uri = credentials["redirect_uri"]
            back_url = redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(answer)
        return render(
            request,
            "broker/refused.html",
            {"client": client, "reason": reason, "back_url": back_url},
            status=403,
        )

    def create_authorization_response(self, request, scopes, credentials, allow):
        # The means of the session's login go with the code to the ID token (level of assurance).
        means = request.session.get(LOGIN_MEANS_SESSION_KEY) or selectors.login_means_latest(
            user=request.user
        )
        credentials["login_means"] = means
        uri, headers, body, status = super().create_authorization_response(
            request, scopes, credentials, allow
        )
        if allow and uri and "code" in parse_qs(urlsplit(uri).query):
            client = selectors.service_client_get(client_id=credentials["client_id"])
            if client is not None:
                services.service_login_record(
                    user=request.user, client=client, means=means, request=request
                )
        return uri, headers, body, status


def _next_authorize_url(request: HttpRequest) -> str:
    """The authorize URL to return to after the login (only this server's authorize endpoint)."""
    next_url = request.GET.get("next", "")
    if not next_url.startswith(reverse("oauth2_provider:authorize")):
        return ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return next_url


@require_GET
def login(request: HttpRequest) -> HttpResponse:
    """*Log på med MitID Erhverv* for a public service: private MitID (where the organisation
    allows it) or the bruger-ID with a separate MitID; both come back to the authorize request."""
    next_url = _next_authorize_url(request)
    client_id = parse_qs(urlsplit(next_url).query).get("client_id", [""])[0]
    client = selectors.service_client_get(client_id=client_id) if client_id else None
    query = "?" + urlencode({"next": next_url}) if next_url else ""
    return render(
        request,
        "broker/login.html",
        {
            "client": client,
            "private_url": reverse("login:start") + query,
            "separate_url": reverse("separate:login") + query,
            # A person signed in with private MitID who is not an active user anywhere.
            "person_without_user": identity_get(request) is not None
            and not request.user.is_authenticated,
        },
    )
