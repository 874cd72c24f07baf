"""Helpers of the broker tests: a registered service provider and the authorization code flow
with PKCE through Django's test client, as a relying party would walk it."""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from django.urls import reverse

from activation.models import LoginEvent
from broker.models import Client
from broker.services import service_provider_register
from organisations.models import PublicService

REDIRECT_URI = "http://rp.example.dk/retur/"


@dataclass
class Flow:
    """One login's secrets on the relying party's side."""

    state: str
    nonce: str
    verifier: str

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_flow() -> Flow:
    return Flow(
        state=secrets.token_urlsafe(16),
        nonce=secrets.token_urlsafe(16),
        verifier=secrets.token_urlsafe(48),
    )


def register_service(
    *,
    service_code: str = "fmk",
    client_id: str = "fmk-test",
    secret: str = "hemmelig-fmk-test-0123456789",  # noqa: S107 (a test client's secret)
    cpr_entitled: bool = False,
    redirect_uri: str = REDIRECT_URI,
) -> tuple[Client, str]:
    client = Client(
        name=f"Tjeneste {client_id}",
        client_id=client_id,
        client_secret=secret,
        redirect_uris=redirect_uri,
        public_service=PublicService.objects.get(code=service_code),
        cpr_entitled=cpr_entitled,
    )
    service_provider_register(client=client, actor_name="Test")
    return client, secret


def sign_in(client, user, *, means: str = "app") -> None:
    """The employee logged in to MitID Erhverv with ``means`` (the login is what
    ``activation.services.login.portal_login`` records)."""
    client.force_login(user)
    LoginEvent.objects.create(user=user, means=means)


def authorize_url(
    service: Client,
    flow: Flow,
    *,
    scope: str = "openid profile email",
    pkce: bool = True,
    redirect_uri: str = REDIRECT_URI,
    **extra: str,
) -> str:
    params = {
        "response_type": "code",
        "client_id": service.client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": flow.state,
        "nonce": flow.nonce,
        **extra,
    }
    if pkce:
        params |= {"code_challenge": flow.challenge, "code_challenge_method": "S256"}
    return reverse("oauth2_provider:authorize") + "?" + urlencode(params)


def code_from(response, flow: Flow) -> str:
    assert response.status_code == 302, response
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    answer = parse_qs(location.query)
    assert answer["state"] == [flow.state]
    return answer["code"][0]


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def exchange(client, service: Client, secret: str, code: str, verifier: str | None):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post(
        reverse("oauth2_provider:token"),
        data,
        HTTP_AUTHORIZATION=basic(service.client_id, secret),
    )


def login(client, service: Client, secret: str, user, *, means: str = "app", **extra) -> dict:
    """The whole flow for ``user``: signed in, authorized, code exchanged; the token answer."""
    sign_in(client, user, means=means)
    flow = new_flow()
    code = code_from(client.get(authorize_url(service, flow, **extra)), flow)
    answer = exchange(client, service, secret, code, flow.verifier)
    assert answer.status_code == 200, answer.content
    return answer.json() | {"nonce": flow.nonce}


def id_token_claims(token_answer: dict) -> dict:
    """The ID token's payload (not verified: tests/broker/test_jwks.py verifies signatures)."""
    payload = token_answer["id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def b64(value: dict) -> str:
    """``value`` as a JWT segment (base64url JSON without padding)."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
