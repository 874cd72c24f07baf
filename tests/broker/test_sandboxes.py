"""Hosted training: each exercise's service providers are its own. Another exercise's client id
is unknown on the authorize page, and the machine-to-machine endpoints (token, userinfo) find
their exercise by the client's credential or the bearer token, never by a cookie."""

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from broker.models import Grant
from mitid_portal.sandbox import sandbox_scope
from mitid_portal.sandboxes import sandbox_create
from tests.broker import oidc
from tests.factories import UserFactory
from tests.security.sandbox_world import sandbox_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def exercises(settings, mailbox_backend):
    settings.SANDBOXES = True
    a, b = sandbox_create(name="A")[0], sandbox_create(name="B")[0]
    world = {}
    for sandbox, name in ((a, "a"), (b, "b")):
        with sandbox_scope(sandbox.pk):
            provider, secret = oidc.register_service(client_id=f"fmk-{name}")
            world[name] = (sandbox, provider, secret, UserFactory())
    return world


def test_another_exercises_client_id_is_refused_on_the_authorize_page(exercises):
    a, _provider_a, _secret_a, user_a = exercises["a"]
    _b, provider_b, _secret_b, _user_b = exercises["b"]
    browser = sandbox_client(a)
    with sandbox_scope(a.pk):
        oidc.sign_in(browser, user_a)
    response = browser.get(oidc.authorize_url(provider_b, oidc.new_flow()))
    assert response.status_code == 400
    assert "code=" not in response.get("Location", "")
    with sandbox_scope(None):
        assert not Grant.objects.exists()


def test_the_token_endpoint_finds_the_exercise_by_the_client_credential(exercises):
    a, provider_a, secret_a, user_a = exercises["a"]
    _b, provider_b, secret_b, _user_b = exercises["b"]
    browser = sandbox_client(a)
    with sandbox_scope(a.pk):
        oidc.sign_in(browser, user_a)
    flow = oidc.new_flow()
    code = oidc.code_from(browser.get(oidc.authorize_url(provider_a, flow)), flow)
    # The service's server holds no exercise cookie. B's credential does not redeem A's code.
    server = BrowserClient()
    wrong = oidc.exchange(server, provider_b, secret_b, code, flow.verifier)
    assert wrong.status_code == 400
    answer = oidc.exchange(server, provider_a, secret_a, code, flow.verifier)
    assert answer.status_code == 200, answer.content
    token = answer.json()
    assert oidc.id_token_claims(token)["aud"] == provider_a.client_id
    userinfo = server.get(
        reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {token['access_token']}"
    )
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == oidc.id_token_claims(token)["sub"]


def test_a_credential_of_no_exercise_is_refused_at_the_token_endpoint(exercises):
    server = BrowserClient()
    answer = server.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "authorization_code", "code": "x", "redirect_uri": oidc.REDIRECT_URI},
        HTTP_AUTHORIZATION=oidc.basic("ukendt", "hemmelig"),
    )
    assert answer.status_code == 401
