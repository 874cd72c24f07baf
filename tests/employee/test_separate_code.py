"""A birth-date user gives the 8-digit activation code before a separate MitID too (G5.4, G6.6):
the code is what proves who they are, whichever means they choose."""

import pytest
from django.urls import reverse

from activation.models import Invitation
from tests.employee.factories import InvitationFactory, birth_date_user_with_account

pytestmark = pytest.mark.django_db

TOKEN = "Vd8sK2mQ-7bN1xP4rT6yW9zA3cE5gH0jL2nR4tU6wY8"
CODE = "48213907"


def _through_login(client, mitid_login):
    user, _account = birth_date_user_with_account("kirsten.foed")
    invitation = InvitationFactory(user=user, token=TOKEN, code=CODE)
    assert client.get(reverse("employee:link", args=[TOKEN])).status_code == 302
    assert mitid_login(client, "kirsten.foed").url == reverse("employee:choose")
    return invitation


def test_choosing_a_separate_mitid_asks_for_the_code_first(client, mitid_login):
    invitation = _through_login(client, mitid_login)
    response = client.post(reverse("employee:choose"), {"use_private": "no"})
    assert response.url == reverse("employee:code")
    # The separate journey cannot be entered around the code.
    assert client.get(reverse("separate:start")).url == reverse("employee:code")

    wrong = client.post(reverse("employee:code"), {"code": "11111111"})
    assert "forkert" in wrong.content.decode()
    invitation.refresh_from_db()
    assert invitation.code_failures == 1

    right = client.post(reverse("employee:code"), {"code": CODE})
    assert right.url == reverse("separate:start")
    assert client.get(reverse("separate:start")).status_code == 200
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.LIVE  # nothing activated until the means is bound


def test_the_code_lock_holds_on_the_separate_route(client, mitid_login):
    _through_login(client, mitid_login)
    client.post(reverse("employee:choose"), {"use_private": "no"})
    for _ in range(3):
        client.post(reverse("employee:code"), {"code": "11111111"})
    response = client.post(reverse("employee:code"), {"code": CODE})
    assert response.status_code == 403
    assert client.get(reverse("separate:start")).url == reverse("employee:code")
