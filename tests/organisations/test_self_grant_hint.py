"""An organisation administrator refused a page for a role she does not hold – *Rettigheder* –
is told that she can give herself the role on *Roller*, with the link (issue 13); nobody else
is told so."""

import pytest
from django.urls import reverse

from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client_with(client, role):
    client.force_login(RoleGrantFactory(role=role).user)
    return client


def test_an_organisation_administrator_refused_rettigheder_is_shown_the_way(client):
    client = _client_with(client, RoleGrant.Role.ORGANISATION_ADMIN)
    response = client.get(reverse("organisations:rights"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ingen adgang" in page and 'data-testid="self-grant"' in page
    assert "kan selv give dig en af de roller" in page
    assert "rettighedsadministrator" in page and "brugeradministrator" in page
    assert f'href="{reverse("organisations:roles")}"' in page
    assert AuditEvent.objects.filter(action="permission_denied").count() == 1


def test_a_role_she_cannot_give_herself_is_not_offered(client):
    # A user administrator refused *Roller* (organisation administrators only): no hint.
    client = _client_with(client, RoleGrant.Role.USER_ADMIN)
    response = client.get(reverse("organisations:roles"))
    assert response.status_code == 403
    assert 'data-testid="self-grant"' not in response.content.decode()


def test_a_plain_user_refused_is_not_told_to_grant_herself(client):
    client.force_login(UserFactory())
    response = client.get(reverse("organisations:rights"))
    assert response.status_code == 403
    assert 'data-testid="self-grant"' not in response.content.decode()
