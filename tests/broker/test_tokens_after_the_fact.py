"""What an issued code or token can still do after the fact (found in review): the authorize
endpoint issues codes only on its checked GET, a token outlives neither its user's suspension
nor its client's revocation, scopes are per kind of client, and there is no introspection."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activation.models import LoginEvent
from broker.models import Client as OAuthClient
from broker.models import Grant
from organisations.models import RoleGrant
from tests.broker import oidc
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return oidc.register_service()


def _refresh(client, provider, secret, refresh_token):
    return Client().post(
        reverse("oauth2_provider:token"),
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=oidc.basic(provider.client_id, secret),
    )


def _userinfo(client, access_token):
    # As a service's server calls it: the bearer token, no browser session.
    return Client().get(
        reverse("oauth2_provider:user-info"), HTTP_AUTHORIZATION=f"Bearer {access_token}"
    )


def test_a_post_to_authorize_issues_no_code(client, service):
    """An administrator who has not activated is refused on GET; the consent form's POST of
    django-oauth-toolkit is not there to go round the check."""
    provider, _secret = service
    admin = RoleGrantFactory(
        user=UserFactory(state=User.State.IMPORTED), role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    oidc.sign_in(client, admin)
    flow = oidc.new_flow()
    response = client.post(
        reverse("oauth2_provider:authorize"),
        {
            "allow": "Authorize",
            "client_id": provider.client_id,
            "redirect_uri": oidc.REDIRECT_URI,
            "response_type": "code",
            "scope": "openid",
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 405
    assert not Grant.objects.exists()


def test_a_suspended_users_refresh_token_and_access_token_stop_working(client, service):
    provider, secret = service
    user = UserFactory(state=User.State.ACTIVE)
    answer = oidc.login(client, provider, secret, user)
    assert _userinfo(client, answer["access_token"]).status_code == 200
    User.objects.filter(pk=user.pk).update(state=User.State.SUSPENDED)
    assert _userinfo(client, answer["access_token"]).status_code in (401, 403)
    assert _refresh(client, provider, secret, answer["refresh_token"]).status_code == 400


def test_a_revoked_clients_tokens_stop_working(client, service):
    provider, secret = service
    answer = oidc.login(client, provider, secret, UserFactory(state=User.State.ACTIVE))
    OAuthClient.objects.filter(pk=provider.pk).update(revoked_at=timezone.now())
    assert _userinfo(client, answer["access_token"]).status_code in (401, 403)


def _idm_client(organisation) -> tuple[OAuthClient, str]:
    secret = "idm-hemmelighed-0123456789"  # noqa: S105 (a test client's secret)
    idm = OAuthClient(
        name="IdM",
        kind=OAuthClient.Kind.IDM,
        organisation=organisation,
        client_type=OAuthClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OAuthClient.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    idm.full_clean()
    idm.save()
    return idm, secret


def _client_credentials(client, idm, secret, scope):
    return client.post(
        reverse("oauth2_provider:token"),
        {"grant_type": "client_credentials", "scope": scope},
        HTTP_AUTHORIZATION=oidc.basic(idm.client_id, secret),
    )


def test_an_idm_client_gets_only_the_scim_scope_and_no_userinfo(client):
    idm, secret = _idm_client(OrganisationFactory())
    assert _client_credentials(client, idm, secret, "openid scim").status_code == 400
    answer = _client_credentials(client, idm, secret, "scim")
    assert answer.status_code == 200, answer.content
    assert answer.json()["scope"] == "scim"
    # A token that stands for no person has no userinfo (and is no 500).
    assert _userinfo(client, answer.json()["access_token"]).status_code in (401, 403)


def test_a_service_cannot_ask_for_the_scim_scope(client, service):
    provider, _secret = service
    oidc.sign_in(client, UserFactory(state=User.State.ACTIVE))
    flow = oidc.new_flow()
    response = client.get(oidc.authorize_url(provider, flow, scope="openid scim"))
    assert "code=" not in response.get("Location", "")


def test_a_session_whose_logins_means_is_unknown_logs_in_at_level_low(client, service):
    provider, secret = service
    user = UserFactory(state=User.State.ACTIVE)
    client.force_login(user)  # no portal_login: neither the session nor a login event has a means
    flow = oidc.new_flow()
    code = oidc.code_from(client.get(oidc.authorize_url(provider, flow)), flow)
    answer = oidc.exchange(client, provider, secret, code, flow.verifier)
    assert answer.status_code == 200
    assert oidc.id_token_claims(answer.json())["https://data.gov.dk/concept/core/nsis/loa"] == "Low"
    assert LoginEvent.objects.get(user=user, service=provider.name).means == ""


def test_there_is_no_introspection_endpoint(client):
    assert client.post("/broker/introspect/", {"token": "x"}).status_code == 404


def test_the_separate_login_forgets_an_earlier_next(client):
    client.get("/saerskilt-mitid/log-paa/?next=/broker/authorize/%3Fclient_id%3Dx")
    client.get("/saerskilt-mitid/log-paa/")
    assert "separate_login_next" not in client.session
