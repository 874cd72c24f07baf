"""Who calls the SCIM API: a bearer token from ``/broker/token/`` (client credentials, scope
``scim``), checked by django-oauth-toolkit, whose client is a live local IdM client of an
organisation. The organisation of the call is the client's, and nothing else.

``sandbox_of_bearer`` is the sandbox middleware's resolver for ``/scim/`` (registered in
``idm.apps``): the exercise of the token, found before the view runs.
"""

from django.http import HttpRequest
from oauth2_provider.oauth2_backends import get_oauthlib_core

from broker.credentials import sandbox_of_token
from broker.models import Client

SCOPE = "scim"


class Refusal(Exception):
    """The call is refused before it reaches a resource: 401 or 403."""

    def __init__(self, status: int, detail: str, error: str = "invalid_token") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.error = error


def _bearer(request: HttpRequest) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def sandbox_of_bearer(request: HttpRequest) -> int | None:
    token = _bearer(request)
    return sandbox_of_token(token) if token is not None else None


def api_client_of(request: HttpRequest) -> Client:
    """The live IdM client whose valid token the request carries, or ``Refusal``: 401 for no,
    a bad, an expired or a revoked token or client; 403 for a token without the ``scim``
    scope."""
    if _bearer(request) is None:
        raise Refusal(401, "Bearer token required", error="invalid_request")
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    if token is None:
        raise Refusal(401, "Invalid or expired token")
    client = token.application
    if (
        client is None
        or client.kind != Client.Kind.IDM
        or client.revoked_at is not None
        or client.organisation_id is None
    ):
        raise Refusal(401, "Invalid or expired token")
    if not token.allow_scopes([SCOPE]):
        raise Refusal(403, "The token lacks the scope scim", error="insufficient_scope")
    return client
