"""Only an active user of an organisation logs in to a service: suspended, closed and
not-yet-activated users are refused by the broker, and the refusal is in the Revisionslog."""

import datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from activation.models import LoginEvent
from broker.models import Grant
from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.broker import oidc
from tests.factories import RoleGrantFactory, UserFactory
from tests.helpers import sign_in_person
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return oidc.register_service()


def _person_of(user):
    return SimpleNamespace(
        cpr=user.cpr,
        first_name=user.first_name,
        last_name=user.last_name,
        birth_date=datetime.date(1980, 1, 1),
    )


def test_an_administrator_who_has_not_activated_is_refused(client, service):
    provider, _secret = service
    admin = RoleGrantFactory(
        user=UserFactory(state=User.State.IMPORTED), role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    oidc.sign_in(client, admin)
    flow = oidc.new_flow()
    page = client.get(oidc.authorize_url(provider, flow))
    assert page.status_code == 403
    assert "ikke aktiveret" in page.content.decode()
    assert not Grant.objects.exists()
    refusal = AuditEvent.objects.get(action="service_login_refused")
    assert refusal.actor_user == admin
    assert refusal.organisation == admin.organisation
    assert refusal.target == provider.name
    assert not LoginEvent.objects.filter(service=provider.name).exists()
    # The way back tells the service access_denied, with its state.
    back = urlsplit(page.context["back_url"])
    assert parse_qs(back.query)["error"] == ["access_denied"]
    assert parse_qs(back.query)["state"] == [flow.state]


@pytest.mark.parametrize("state", [User.State.SUSPENDED, User.State.CLOSED])
def test_a_suspended_or_closed_user_is_refused_after_private_mitid(client, service, state):
    provider, _secret = service
    user = UserFactory(state=state, uses_private_mitid=True)
    # The person proved who they are with private MitID; the portal has no user to sign in.
    sign_in_person(client, _person_of(user))
    page = client.get(oidc.authorize_url(provider, oidc.new_flow()))
    assert page.status_code == 403
    assert page.context["reason"] == state
    assert not Grant.objects.exists()
    assert AuditEvent.objects.get(action="service_login_refused").organisation == (
        user.organisation
    )


def test_a_suspended_users_open_session_ends_before_the_broker(client, service):
    provider, _secret = service
    user = UserFactory()
    oidc.sign_in(client, user)
    User.objects.filter(pk=user.pk).update(state=User.State.SUSPENDED)
    response = client.get(oidc.authorize_url(provider, oidc.new_flow()))
    assert response.status_code == 302
    assert "code=" not in response["Location"]
    assert not Grant.objects.exists()


def test_an_operator_without_organisation_is_refused(client, service):
    provider, _secret = service
    operator = User.objects.create(username="operator", is_staff=True, organisation=None)
    client.force_login(operator)
    page = client.get(oidc.authorize_url(provider, oidc.new_flow()))
    assert page.status_code == 403
    assert not Grant.objects.exists()


def test_a_visitor_not_logged_in_is_sent_to_the_brokers_login_page(client, service):
    provider, _secret = service
    url = oidc.authorize_url(provider, oidc.new_flow())
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("oauth2_provider:login"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert provider.name in html
    private = page.context["private_url"]
    separate = page.context["separate_url"]
    assert private.startswith(reverse("login:start")) and "next=" in private
    assert separate.startswith(reverse("separate:login")) and "next=" in separate
    assert parse_qs(urlsplit(private).query)["next"] == [url]
