"""The broker's login page: a visitor who is not logged in chooses private MitID or bruger-ID
with a separate MitID, logs in through the portal's own login, and comes back to the service
with a code; a person with users in several organisations chooses one; ``prompt=login`` makes
a logged-in person log in afresh."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from activation.models import BoundMeans
from broker import claims
from broker.models import Grant
from simulators.mitid import totp
from simulators.mitid.models import LoginRequest
from tests.broker import oidc
from tests.factories import DeviceFactory, MitIDAccountFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return oidc.register_service()


def _to_login_page(client, provider, flow, **extra):
    response = client.get(oidc.authorize_url(provider, flow, **extra))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("oauth2_provider:login"))
    return client.get(response["Location"])


def _private_mitid(client, start_url: str, username: str):
    """The private MitID login from ``start_url`` (the simulated broker, approved in the app);
    returns the portal's answer at its callback, not followed."""
    broker_page = client.get(client.get(start_url).url)
    client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": broker_page.context["return_url"],
            "state": broker_page.context["state"],
            "username": username,
            "method": "app",
        },
    )
    request = LoginRequest.objects.latest("created_at")
    client.post(
        reverse("mitid:app_decide", args=[request.account.username, request.pk]),
        {"decision": "approve"},
    )
    finish = client.get(reverse("mitid:login_finish", args=[request.pk]))
    return client.get(finish.url)


def test_private_mitid_from_the_login_page_comes_back_with_a_code(client, service):
    provider, secret = service
    account = MitIDAccountFactory(username="privat.medarbejder")
    user = UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    flow = oidc.new_flow()
    page = _to_login_page(client, provider, flow)
    back = _private_mitid(client, page.context["private_url"], "privat.medarbejder")
    assert back.status_code == 302
    assert back["Location"].startswith(reverse("oauth2_provider:authorize"))
    code = oidc.code_from(client.get(back["Location"]), flow)
    token = oidc.id_token_claims(
        oidc.exchange(client, provider, secret, code, flow.verifier).json()
    )
    assert token[claims.CLAIM_CVR] == user.organisation.cvr
    assert token[claims.CLAIM_LOA] == "Substantial"


def test_a_person_with_users_in_two_organisations_chooses_one(client, service):
    provider, secret = service
    account = MitIDAccountFactory(username="to.steder")
    UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    second = UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    flow = oidc.new_flow()
    page = _to_login_page(client, provider, flow)
    back = _private_mitid(client, page.context["private_url"], "to.steder")
    assert back["Location"] == reverse("login:choose_organisation")
    chosen = client.post(reverse("login:choose_organisation"), {"user": second.pk})
    code = oidc.code_from(client.get(chosen["Location"]), flow)
    token = oidc.id_token_claims(
        oidc.exchange(client, provider, secret, code, flow.verifier).json()
    )
    assert token[claims.CLAIM_CVR] == second.organisation.cvr


def test_bruger_id_and_chip_from_the_login_page_is_level_high(client, service):
    provider, secret = service
    user = UserFactory(bruger_id="chip.bruger")
    device = DeviceFactory(account=None, kind="chip")
    BoundMeans.objects.create(user=user, kind="chip", device_serial=device.serial)
    device.last_pressed_at = timezone.now() - datetime.timedelta(minutes=1)
    device.save()
    flow = oidc.new_flow()
    page = _to_login_page(client, provider, flow)
    client.get(page.context["separate_url"])
    client.post(reverse("separate:login"), {"bruger_id": "chip.bruger", "method": "chip"})
    client.post(reverse("mitid:device_press", args=[device.serial]))
    back = client.post(reverse("separate:login_verify"))
    assert back["Location"].startswith(reverse("oauth2_provider:authorize"))
    code = oidc.code_from(client.get(back["Location"]), flow)
    token = oidc.id_token_claims(
        oidc.exchange(client, provider, secret, code, flow.verifier).json()
    )
    assert token[claims.CLAIM_LOA] == "High"


def test_prompt_login_ends_the_session_and_asks_for_a_login(client, service):
    provider, _secret = service
    oidc.sign_in(client, UserFactory())
    response = client.get(oidc.authorize_url(provider, oidc.new_flow(), prompt="login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("oauth2_provider:login"))
    assert "prompt" not in response["Location"]
    assert "_auth_user_id" not in client.session
    assert not Grant.objects.exists()


def test_the_login_page_only_returns_to_the_authorize_endpoint(client):
    page = client.get(reverse("oauth2_provider:login"), {"next": "https://angriber.example/"})
    assert page.status_code == 200
    assert page.context["private_url"] == reverse("login:start")
    assert page.context["separate_url"] == reverse("separate:login")


def test_the_separate_login_ignores_a_next_to_another_host(client):
    user = UserFactory(bruger_id="kim.kodeviser")
    device = DeviceFactory(account=None, kind="kodeviser")
    BoundMeans.objects.create(user=user, kind="kodeviser", device_serial=device.serial)
    client.get(reverse("separate:login"), {"next": "https://angriber.example/"})
    client.post(reverse("separate:login"), {"bruger_id": "kim.kodeviser", "method": "code"})
    code = totp.code_at(device.totp_secret, time.time())
    response = client.post(reverse("separate:login_verify"), {"code": code})
    assert response["Location"] == reverse("employee:profile")
