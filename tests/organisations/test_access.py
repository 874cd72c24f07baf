"""Every organisation view is scoped through organisations.access: another organisation's
object is a 404, a missing role a 403, an anonymous visitor goes to the login."""

import pytest
from django.urls import reverse

from organisations.models import RoleGrant
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_sees_their_own_organisation(client):
    grant = RoleGrantFactory()
    client.force_login(grant.user)
    page = client.get(reverse("organisations:overview"))
    assert page.status_code == 200
    assert grant.user.full_name in page.content.decode()
    assert client.get(reverse("organisations:role_grant", args=[grant.pk])).status_code == 200


def test_another_organisations_grant_is_404(client):
    mine = RoleGrantFactory()
    theirs = RoleGrantFactory()
    client.force_login(mine.user)
    assert client.get(reverse("organisations:role_grant", args=[theirs.pk])).status_code == 404
    assert (
        theirs.user.full_name not in client.get(reverse("organisations:overview")).content.decode()
    )


def test_a_role_beyond_ones_own_is_403(client):
    grant = RoleGrantFactory(role=RoleGrant.Role.RIGHTS_ADMIN)
    client.force_login(grant.user)
    assert client.get(reverse("organisations:role_grant", args=[grant.pk])).status_code == 403


def test_anonymous_goes_to_login_and_suspended_users_are_refused(client):
    response = client.get(reverse("organisations:overview"))
    assert response.status_code == 302 and reverse("login:start") in response.url
    client.force_login(UserFactory(state="suspended"))
    # The session of a suspended user ends at once: logged out and sent to the front page.
    response = client.get(reverse("organisations:overview"))
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert "_auth_user_id" not in client.session
