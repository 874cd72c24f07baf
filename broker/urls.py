"""The broker's OpenID Connect provider (django-oauth-toolkit), under /broker/: authorize, token,
revocation, userinfo, end-session, discovery and JWKS. DOT's own views reverse
``oauth2_provider:…``, so the namespace is DOT's. Its device flow, client self-registration and
application management pages are not mounted: service providers are registered by an operator,
IdM clients by their organisation's administrator. Nor is token introspection: no relying party
needs it, and DOT's answers with the user's portal username, the same for every service, which
would undo the per-service pseudonym. The authorize endpoint is the broker's own
(``broker.views.BrokerAuthorizationView``), with its login page."""

from django.urls import path
from oauth2_provider import urls as dot_urls

from broker import views

app_name = "oauth2_provider"
_BASE = {"token", "revoke-token"}
urlpatterns = [
    path("authorize/", views.BrokerAuthorizationView.as_view(), name="authorize"),
    path("log-paa/", views.login, name="login"),
    *(p for p in dot_urls.base_urlpatterns if p.name in _BASE),
    *dot_urls.oidc_urlpatterns,
]
