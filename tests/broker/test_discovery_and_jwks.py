"""The discovery document and the JWKS are enough for an independent JOSE library (joserfc) to
verify an ID token: nothing but what the broker publishes is used."""

import pytest
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from broker import claims
from tests.broker import oidc
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DISCOVERY = "/broker/.well-known/openid-configuration"


def test_the_discovery_document_names_the_endpoints_and_pkce_s256(client):
    document = client.get(DISCOVERY).json()
    issuer = document["issuer"]
    assert issuer == "http://testserver/broker"
    assert document["authorization_endpoint"] == issuer + "/authorize/"
    assert document["token_endpoint"] == issuer + "/token/"
    assert document["userinfo_endpoint"] == issuer + "/userinfo/"
    assert document["jwks_uri"] == issuer + "/.well-known/jwks.json"
    assert document["end_session_endpoint"] == issuer + "/logout/"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "code" in document["response_types_supported"]
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert set(claims.PROFESSIONAL_CLAIMS) <= set(document["claims_supported"])
    assert "implicit" not in document.get("grant_types_supported", [])


def test_an_id_token_verifies_with_only_the_published_jwks(client):
    provider, secret = oidc.register_service()
    user = UserFactory()
    answer = oidc.login(client, provider, secret, user)
    document = client.get(DISCOVERY).json()
    jwks_path = document["jwks_uri"].removeprefix("http://testserver")
    key_set = KeySet.import_key_set(client.get(jwks_path).json())
    token = jwt.decode(answer["id_token"], key_set, algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] in {key.kid for key in key_set.keys}
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": document["issuer"]},
        aud={"essential": True, "value": provider.client_id},
        nonce={"essential": True, "value": answer["nonce"]},
        exp={"essential": True},
        sub={"essential": True},
    )
    registry.validate(token.claims)
    assert token.claims[claims.CLAIM_CVR] == user.organisation.cvr


def test_a_tampered_id_token_does_not_verify(client):
    provider, secret = oidc.register_service()
    answer = oidc.login(client, provider, secret, UserFactory())
    key_set = KeySet.import_key_set(client.get(reverse("oauth2_provider:jwks-info")).json())
    header, payload, signature = answer["id_token"].split(".")
    forged = oidc.id_token_claims(answer) | {claims.CLAIM_CVR: "12345678"}
    forged_payload = oidc.b64(forged)
    with pytest.raises(BadSignatureError):
        jwt.decode(f"{header}.{forged_payload}.{signature}", key_set, algorithms=["RS256"])
