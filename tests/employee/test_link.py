"""The emailed link (G6.1): a GET changes nothing, the token leaves the URL, and every link that
cannot be used has its own page that reveals nothing about other users."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from activation.models import Invitation
from mitid_portal.models import AuditEvent, OutboundEmail
from tests.employee.factories import InvitationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "Xk3vQ9wZ-a8mN2pL5tR7yB1cD4fG6hJ0kM3nP5qS7uV"


def _main(response) -> str:
    html = response.content.decode()
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def test_opening_the_link_changes_nothing_and_moves_the_token_into_the_session(client):
    invitation = InvitationFactory(token=TOKEN)
    before = Invitation.objects.values().get(pk=invitation.pk)

    response = client.get(reverse("employee:link", args=[TOKEN]))

    assert response.status_code == 302
    assert response.url == reverse("employee:start")
    assert TOKEN not in response.url
    assert client.session["activation_invitation_id"] == invitation.pk
    assert Invitation.objects.values().get(pk=invitation.pk) == before
    invitation.user.refresh_from_db()
    assert invitation.user.state == "awaiting"
    assert not AuditEvent.objects.exists() and not OutboundEmail.objects.exists()


def test_the_start_page_names_the_organisation_and_offers_aktiver_bruger(client):
    invitation = InvitationFactory(token=TOKEN, user__organisation__name="Lægehuset Vestergade I/S")
    page = client.get(reverse("employee:link", args=[TOKEN]), follow=True)
    html = page.content.decode()
    assert page.request["PATH_INFO"] == reverse("employee:start")
    assert "Aktivér din bruger" in html
    assert "Lægehuset Vestergade I/S" in html
    assert invitation.organisation.cvr in html
    assert "Aktivér bruger" in html
    assert TOKEN not in html

    login_page = client.get(reverse("employee:login"))
    text = login_page.content.decode()
    assert "Log ind med dit private MitID" in text
    assert (
        "Dit private MitID bruges kun til at bekræfte din identitet én gang ved aktivering og "
        "bliver ikke delt med andre." in text
    )


@pytest.mark.parametrize(
    ("changes", "heading", "status"),
    [
        ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "Linket er udløbet", 410),
        ({"state": "used"}, "Din bruger er allerede aktiveret", 410),
        ({"state": "replaced"}, "Linket er erstattet af et nyt link", 410),
        ({"state": "cancelled"}, "Aktiveringen er annulleret", 410),
    ],
)
def test_each_unusable_link_has_its_own_page(client, changes, heading, status):
    InvitationFactory(token=TOKEN, **changes)
    response = client.get(reverse("employee:link", args=[TOKEN]), follow=True)
    html = response.content.decode()
    assert response.status_code == status
    # The page answers on a URL without the token (no token in the request log or Referer).
    assert TOKEN not in response.request["PATH_INFO"] + response.request["QUERY_STRING"]
    assert f"<h1>{heading}</h1>" in html
    assert "activation_invitation_id" not in client.session


@pytest.mark.parametrize("state", ["expired", "cancelled", "replaced"])
def test_dead_links_tell_the_user_to_ask_for_a_new_one(client, state):
    changes = (
        {"expires_at": timezone.now() - datetime.timedelta(days=1)}
        if state == "expired"
        else {"state": state}
    )
    InvitationFactory(token=TOKEN, **changes)
    html = client.get(reverse("employee:link", args=[TOKEN]), follow=True).content.decode()
    assert "brugeradministrator om et nyt link" in html


def test_an_unknown_link_page_is_the_same_whether_or_not_users_exist(client):
    empty = client.get(reverse("employee:link", args=["ukendt-token-1234567890"]), follow=True)
    user = UserFactory(first_name="Kirsten", email="kirsten@example.dk")
    InvitationFactory(user=user, token=TOKEN)
    InvitationFactory(token=TOKEN + "x", state="used")
    populated = client.get(reverse("employee:link", args=["ukendt-token-1234567890"]), follow=True)
    near_miss = client.get(reverse("employee:link", args=[TOKEN[:-1]]), follow=True)

    assert empty.status_code == populated.status_code == near_miss.status_code == 404
    assert _main(empty) == _main(populated) == _main(near_miss)
    assert "<h1>Linket virker ikke</h1>" in _main(empty)
    assert "Bed din brugeradministrator om et nyt link" in _main(empty)
    assert "Kirsten" not in populated.content.decode()


def test_a_very_long_token_is_unknown(client):
    response = client.get(reverse("employee:link", args=["a" * 5000]), follow=True)
    assert response.status_code == 404


def test_a_made_up_reason_on_the_problem_page_is_the_unknown_link_page(client):
    response = client.get(reverse("employee:link_problem"), {"aarsag": "<script>"})
    assert response.status_code == 404
    assert "<h1>Linket virker ikke</h1>" in response.content.decode()


def test_the_journey_without_an_opened_link_says_what_to_do(client):
    response = client.get(reverse("employee:start"))
    assert response.status_code == 404
    assert "Åbn linket i e-mailen fra MitID Erhverv igen" in response.content.decode()


def test_a_link_that_died_after_it_was_opened_stops_the_journey(client):
    invitation = InvitationFactory(token=TOKEN)
    client.get(reverse("employee:link", args=[TOKEN]))
    Invitation.objects.filter(pk=invitation.pk).update(state="replaced")
    response = client.get(reverse("employee:start"))
    assert "Linket er erstattet af et nyt link" in response.content.decode()
    assert client.post(reverse("employee:login")).status_code == 410
