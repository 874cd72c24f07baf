"""The login broker's OAuth 2.0 / OpenID Connect rules on top of django-oauth-toolkit's
(``OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]``): the professional identity's claims
(``broker.claims``) in the ID token and from userinfo, the login's means carried from the
authorization to the tokens, no revoked client, and no local IdM client at the authorize
endpoint."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from broker import claims, selectors
from broker.models import AccessToken, Client, Grant

# What each kind of client may ask for: a service provider the OpenID Connect scopes, a local
# IdM only the SCIM API.
SCOPES_BY_KIND = {
    Client.Kind.SERVICE: {"openid", "profile", "email"},
    Client.Kind.IDM: {"scim"},
}
DEFAULT_SCOPES_BY_KIND = {Client.Kind.SERVICE: ["openid"], Client.Kind.IDM: ["scim"]}


def _login_means(request) -> str:
    """The means of the login behind this token request or userinfo call."""
    means = getattr(request, "login_means", None)
    if means is not None:
        return means
    access_token = getattr(request, "access_token", None)
    if isinstance(access_token, AccessToken):
        return access_token.means
    return ""


def _still_allowed(token) -> bool:
    """Whether an issued token still stands: its client not revoked, its user (if any) still
    allowed to log in to services."""
    if token.application is not None and token.application.revoked_at is not None:
        return False
    return token.user is None or selectors.service_login_refusal(user=token.user) is None


class BrokerValidator(OAuth2Validator):
    # DOT gives a claim only when the scope it is listed under was granted: the professional
    # claims come with ``openid`` itself, name and email with ``profile`` and ``email``.
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        **dict.fromkeys(claims.PROFESSIONAL_CLAIMS, "openid"),
    }

    def get_additional_claims(self, request) -> dict[str, object]:
        if request.user is None:
            return {}  # a client credentials token stands for no person
        return claims.professional_claims(
            client=request.client, user=request.user, means=_login_means(request)
        )

    def get_discovery_claims(self, request) -> list[str]:
        return ["sub", "name", "given_name", "family_name", "email", *claims.PROFESSIONAL_CLAIMS]

    def _load_application(self, client_id, request):
        client = super()._load_application(client_id, request)
        if client is not None and client.revoked_at is not None:
            request.client = None
            return None
        return client

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        allowed = SCOPES_BY_KIND.get(client.kind, set())
        return set(scopes) <= allowed and super().validate_scopes(
            client_id, scopes, client, request, *args, **kwargs
        )

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        client = request.client
        if client is not None and client.kind in DEFAULT_SCOPES_BY_KIND:
            return DEFAULT_SCOPES_BY_KIND[client.kind]
        return super().get_default_scopes(client_id, request, *args, **kwargs)

    def validate_bearer_token(self, token, scopes, request) -> bool:
        # A token outlives neither its client's revocation nor its user's suspension or closing.
        if not super().validate_bearer_token(token, scopes, request):
            return False
        return _still_allowed(request.access_token)

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        # Only a service provider's client logs employees in; a local IdM's never does.
        if client.kind != Client.Kind.SERVICE:
            return False
        return super().validate_response_type(
            client_id, response_type, client, request, *args, **kwargs
        )

    def _create_authorization_code(self, request, code, expires=None):
        # The broker's authorize view passes the session's means as a credential.
        grant = super()._create_authorization_code(request, code, expires)
        grant.means = getattr(request, "login_means", "") or ""
        grant.save(update_fields=["means"])
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs) -> bool:
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if valid:
            request.login_means = (
                Grant.objects.filter(code=code, application=client)
                .values_list("means", flat=True)
                .first()
                or ""
            )
        return valid

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs) -> bool:
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        instance = getattr(request, "refresh_token_instance", None)
        if valid and instance is not None and not _still_allowed(instance):
            return False
        if valid:
            instance = getattr(request, "refresh_token_instance", None)
            previous = getattr(instance, "access_token", None)
            request.login_means = previous.means if previous is not None else ""
        return valid

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        means = getattr(request, "login_means", "") or ""
        if means:
            access_token.means = means
            access_token.save(update_fields=["means"])
        return access_token
