"""PKCE is required, with S256 only, and the code is bound to its verifier: a tampered,
missing or wrong verifier gets no tokens, and a code is used once."""

import pytest

from broker.models import Grant
from tests.broker import oidc
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    provider, secret = oidc.register_service()
    oidc.sign_in(client, UserFactory())
    return provider, secret


def _code(client, provider, flow, **extra):
    return oidc.code_from(client.get(oidc.authorize_url(provider, flow, **extra)), flow)


def test_a_tampered_code_verifier_fails(client, signed_in):
    provider, secret = signed_in
    flow = oidc.new_flow()
    code = _code(client, provider, flow)
    tampered = flow.verifier[:-1] + ("A" if flow.verifier[-1] != "A" else "B")
    answer = oidc.exchange(client, provider, secret, code, tampered)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "id_token" not in answer.json()


def test_a_missing_code_verifier_fails(client, signed_in):
    provider, secret = signed_in
    flow = oidc.new_flow()
    answer = oidc.exchange(client, provider, secret, _code(client, provider, flow), None)
    assert answer.status_code == 400
    assert "access_token" not in answer.json()


def test_an_authorize_request_without_pkce_is_refused(client, signed_in):
    provider, _secret = signed_in
    flow = oidc.new_flow()
    response = client.get(oidc.authorize_url(provider, flow, pkce=False))
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]
    assert "code=" not in response["Location"]
    assert not Grant.objects.exists()


def test_the_plain_method_is_refused(client, signed_in):
    provider, _secret = signed_in
    flow = oidc.new_flow()
    url = oidc.authorize_url(
        provider,
        flow,
        pkce=False,
        code_challenge=flow.verifier,
        code_challenge_method="plain",
    )
    response = client.get(url)
    assert "code=" not in response.get("Location", "")
    assert not Grant.objects.exists()


def test_a_code_is_used_once(client, signed_in):
    provider, secret = signed_in
    flow = oidc.new_flow()
    code = _code(client, provider, flow)
    assert oidc.exchange(client, provider, secret, code, flow.verifier).status_code == 200
    again = oidc.exchange(client, provider, secret, code, flow.verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_gets_no_tokens(client, signed_in):
    provider, _secret = signed_in
    flow = oidc.new_flow()
    code = _code(client, provider, flow)
    answer = oidc.exchange(client, provider, "forkert-hemmelighed", code, flow.verifier)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_an_unregistered_redirect_uri_is_not_redirected_to(client, signed_in):
    provider, _secret = signed_in
    flow = oidc.new_flow()
    url = oidc.authorize_url(provider, flow, redirect_uri="https://angriber.example/retur/")
    response = client.get(url)
    assert response.status_code == 400
    assert not Grant.objects.exists()
