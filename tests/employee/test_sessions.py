"""A suspended or closed user's sessions end at once (on their next request)."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", [User.State.SUSPENDED, User.State.CLOSED])
def test_suspension_or_closing_ends_the_session(client, state):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("employee:profile")).status_code == 200

    User.objects.filter(pk=user.pk).update(state=state)  # by an administrator, elsewhere

    response = client.get(reverse("employee:profile"), follow=True)
    assert response.redirect_chain[0] == (reverse("portal:home"), 302)
    assert "du er logget af" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not response.context["request"].user.is_authenticated
    # Reactivating does not bring the old session back.
    User.objects.filter(pk=user.pk).update(state=User.State.ACTIVE)
    again = client.get(reverse("employee:profile"))
    assert again.status_code == 302 and reverse("login:start") in again.url


def test_a_deactivated_user_is_not_signed_in(client):
    user = UserFactory()
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("employee:profile"))
    assert response.status_code == 302
    assert reverse("login:start") in response.url


def test_active_users_and_people_without_a_user_are_left_alone(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("portal:home")).context["request"].user == user
    client.logout()
    assert client.get(reverse("portal:home")).status_code == 200
