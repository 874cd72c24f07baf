"""The authorization code flow with PKCE: an active employee logs in to a service and the
service gets the professional identity's claims in the ID token and from userinfo."""

import pytest
from django.urls import reverse

from activation.models import LoginEvent
from broker import claims
from mitid_portal.models import AuditEvent
from organisations.models import PublicService, UserRight
from tests.broker import oidc
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return oidc.register_service()


@pytest.fixture
def employee():
    user = UserFactory(rid="12345678")
    UserRight.objects.create(user=user, service=PublicService.objects.get(code="fmk"))
    return user


def test_the_service_gets_the_professional_identity(client, service, employee):
    provider, secret = service
    answer = oidc.login(client, provider, secret, employee, means="app")
    token = oidc.id_token_claims(answer)
    assert token["aud"] == provider.client_id
    assert token["nonce"] == answer["nonce"]
    assert token["name"] == employee.full_name
    assert token["given_name"] == employee.first_name
    assert token["family_name"] == employee.last_name
    assert token["email"] == employee.email
    assert token[claims.CLAIM_CVR] == employee.organisation.cvr
    assert token[claims.CLAIM_ORG_NAME] == employee.organisation.name
    assert token[claims.CLAIM_RID] == "12345678"
    assert token[claims.CLAIM_LOA] == "Substantial"
    assert token[claims.CLAIM_PRIVILEGES] == ["urn:dk:mitid-erhverv:privilege:fmk"]
    assert claims.CLAIM_CPR not in token
    assert token["sub"] not in (str(employee.pk), employee.cpr)
    assert len(token["sub"]) == 64


def test_userinfo_answers_the_same_claims(client, service, employee):
    provider, secret = service
    answer = oidc.login(client, provider, secret, employee)
    userinfo = client.get(
        reverse("oauth2_provider:user-info"),
        HTTP_AUTHORIZATION=f"Bearer {answer['access_token']}",
    )
    assert userinfo.status_code == 200
    info = userinfo.json()
    token = oidc.id_token_claims(answer)
    for claim in ("sub", "name", "email", claims.CLAIM_CVR, claims.CLAIM_PRIVILEGES):
        assert info[claim] == token[claim]
    assert info[claims.CLAIM_LOA] == token[claims.CLAIM_LOA]


def test_the_chip_is_level_high(client, service, employee):
    provider, secret = service
    token = oidc.id_token_claims(oidc.login(client, provider, secret, employee, means="chip"))
    assert token[claims.CLAIM_LOA] == "High"


def test_without_profile_and_email_scopes_no_name_or_email(client, service, employee):
    provider, secret = service
    answer = oidc.login(client, provider, secret, employee, scope="openid")
    token = oidc.id_token_claims(answer)
    assert "name" not in token and "email" not in token
    assert token[claims.CLAIM_CVR] == employee.organisation.cvr


def test_an_anonymous_user_has_no_name_or_email(client, service):
    provider, secret = service
    user = UserFactory(is_anonymous_user=True)
    token = oidc.id_token_claims(oidc.login(client, provider, secret, user))
    assert "name" not in token and "email" not in token and "given_name" not in token
    assert token[claims.CLAIM_CVR] == user.organisation.cvr


def test_no_consent_screen_and_the_login_is_recorded(client, service, employee):
    provider, secret = service
    oidc.login(client, provider, secret, employee, means="kodeviser")
    event = LoginEvent.objects.get(user=employee, service=provider.name)
    assert event.means == "kodeviser"
    audit = AuditEvent.objects.get(action="service_login")
    assert audit.actor_user == employee
    assert audit.organisation == employee.organisation
    assert audit.target == provider.name
    assert audit.changes == {"means": "kodeviser", "sikringsniveau": "Substantial"}


def test_the_login_history_of_min_profil_shows_the_service(client, service, employee):
    provider, secret = service
    oidc.login(client, provider, secret, employee)
    page = client.get(reverse("employee:profile"))
    assert page.status_code == 200
    assert provider.name in page.content.decode()


def test_a_refreshed_token_keeps_the_logins_level_of_assurance(client, service, employee):
    provider, secret = service
    answer = oidc.login(client, provider, secret, employee, means="chip")
    refreshed = client.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": answer["refresh_token"]},
        HTTP_AUTHORIZATION=oidc.basic(provider.client_id, secret),
    )
    assert refreshed.status_code == 200, refreshed.content
    userinfo = client.get(
        reverse("oauth2_provider:user-info"),
        HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access_token']}",
    )
    assert userinfo.json()[claims.CLAIM_LOA] == "High"
