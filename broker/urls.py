"""The broker's OpenID Connect provider (django-oauth-toolkit), under /broker/: authorize, token,
revocation, introspection, userinfo, end-session, discovery and JWKS. DOT's own views reverse
``oauth2_provider:…``, so the namespace is DOT's. Its device flow, client self-registration and
application management pages are not mounted: service providers are registered by an operator,
IdM clients by their organisation's administrator."""

from oauth2_provider import urls as dot_urls

app_name = "oauth2_provider"
_BASE = {"authorize", "token", "revoke-token", "introspect"}
urlpatterns = [
    *(p for p in dot_urls.base_urlpatterns if p.name in _BASE),
    *dot_urls.oidc_urlpatterns,
]
