"""The demo public services as OpenID Connect relying parties, with Authlib's Django client.

Everything between a service and the login broker is real: the discovery document, the JWKS and
the token call go over HTTP to ``BROKER_URL`` (this portal's own broker by default), the browser
is sent to the broker's authorize endpoint with PKCE (S256), ``state`` and ``nonce``, and the ID
token is validated (signature against the published JWKS, issuer, audience, expiry, nonce) before
the service believes a word of it. Authlib keeps the flow's state, nonce and code verifier in the
visitor's session; the service keeps who logged in there too, under a key of its own: it is not
the portal, and never logs anyone in to the portal.

A service knows nothing of the portal's tables: what it learns of the person, their organisation
and their rights comes from the ID token's claims alone.
"""

from dataclasses import asdict, dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from joserfc.errors import JoseError

from simulators.publicservices.models import DemoService
from simulators.publicservices.selectors import demo_service_secret

SCOPE = "openid profile email"
HTTP_TIMEOUT = 10  # seconds, every call to the broker

# The claims of a professional identity (MitID Erhverv, OIO-IDWS/OIDC profile names).
CLAIM_CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
CLAIM_ORG_NAME = "https://data.gov.dk/model/core/eid/professional/orgName"
CLAIM_RID = "https://data.gov.dk/model/core/eid/professional/rid"
CLAIM_LOA = "https://data.gov.dk/concept/core/nsis/loa"
# A JSON array of privilege URIs, the user's rights for this service only, scoped to the CVR's
# organisation: ["urn:dk:mitid-erhverv:privilege:fmk"] or [] for a user without the right.
CLAIM_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
PRIVILEGE_PREFIX = "urn:dk:mitid-erhverv:privilege:"

# What can go wrong between the service and the broker: an error answer or a bad state (Authlib),
# an ID token that does not validate (Authlib's claims, joserfc's signature), no answer at all.
LOGIN_ERRORS = (AuthlibBaseError, JoseError, requests.RequestException)


def broker_url() -> str:
    """The login broker's base URL: ``BROKER_URL``, or this portal's own under /broker."""
    return (settings.BROKER_URL or settings.PORTAL_BASE_URL.rstrip("/") + "/broker").rstrip("/")


def callback_path(code: str) -> str:
    return reverse("simulators:publicservices:callback", kwargs={"code": code})


def logged_out_path(code: str) -> str:
    return reverse("simulators:publicservices:logged_out", kwargs={"code": code})


def absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def oidc_client(service: DemoService) -> DjangoOAuth2App:
    """An Authlib client for ``service`` (one per request: the credential is the exercise's)."""
    oauth = OAuth()
    return oauth.register(
        name=f"publicservice-{service.code}",
        client_id=service.client_id,
        client_secret=demo_service_secret(service),
        server_metadata_url=broker_url() + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": HTTP_TIMEOUT,
        },
    )


def login_redirect(request: HttpRequest, service: DemoService) -> HttpResponse:
    """Send the browser to the broker (authorization code flow; PKCE S256, state and nonce kept
    in the session by Authlib)."""
    return oidc_client(service).authorize_redirect(request, absolute(callback_path(service.code)))


@dataclass(frozen=True)
class ServiceLogin:
    """Who logged in to a service, from the ID token's claims."""

    sub: str
    name: str
    email: str
    cvr: str
    organisation_name: str
    rid: str
    loa: str
    privileges: tuple[str, ...]
    id_token: str  # kept for the end-session call's id_token_hint

    def as_session(self) -> dict:
        data = asdict(self)
        data["privileges"] = list(self.privileges)
        return data

    @classmethod
    def from_session(cls, data: dict) -> "ServiceLogin":
        return cls(**{**data, "privileges": tuple(data.get("privileges", ()))})


def privileges_from_claim(value: object) -> tuple[str, ...]:
    """The privileges of the privileges claim as a list of strings."""
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return ()


def login_complete(request: HttpRequest, service: DemoService) -> ServiceLogin:
    """Finish the login at the callback: the state must be the session's, the code is exchanged
    (with the PKCE verifier and the client secret) over HTTP, and the ID token validated with
    the session's nonce. Raises one of ``LOGIN_ERRORS`` when anything does not hold."""
    token = oidc_client(service).authorize_access_token(request)
    claims = token.get("userinfo")
    if not claims:
        raise AuthlibBaseError(error="missing_id_token", description="no ID token")
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part
    )
    return ServiceLogin(
        sub=str(claims["sub"]),
        name=name,
        email=claims.get("email", ""),
        cvr=str(claims.get(CLAIM_CVR, "")),
        organisation_name=claims.get(CLAIM_ORG_NAME, ""),
        rid=str(claims.get(CLAIM_RID, "")),
        loa=claims.get(CLAIM_LOA, ""),
        privileges=privileges_from_claim(claims.get(CLAIM_PRIVILEGES)),
        id_token=token["id_token"],
    )


def logout_url(service: DemoService, login: ServiceLogin) -> str:
    """The broker's end-session URL (RP-initiated logout) with the ID token as hint and the
    service's logged-out page to come back to."""
    result = oidc_client(service).create_logout_url(
        post_logout_redirect_uri=absolute(logged_out_path(service.code)),
        id_token_hint=login.id_token,
        client_id=service.client_id,
    )
    return result["url"]


def privilege_of(service: DemoService) -> str:
    """The privilege URI that grants ``service``'s right (the broker's vocabulary, README "Til
    tjenesteudbydere"; a service knows it as a string, as a real one would)."""
    return PRIVILEGE_PREFIX + service.code


def has_right(login: ServiceLogin, service: DemoService) -> bool:
    """Whether the broker said the user holds ``service``'s right."""
    return privilege_of(service) in login.privileges


def privileges_shown(login: ServiceLogin, service: DemoService) -> list[tuple[str, str]]:
    """The privileges the broker gave, each with the name of the right it stands for where the
    service knows it (its own), for the page that shows them."""
    own = privilege_of(service)
    return [
        (privilege, service.right_name if privilege == own else "")
        for privilege in login.privileges
    ]
