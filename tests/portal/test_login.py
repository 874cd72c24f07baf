"""Logging in to MitID Erhverv through the private MitID broker (G3.3, G3.4)."""

from html import escape

import pytest
from django.urls import reverse

from organisations.models import RoleGrant
from simulators.mitid.models import LoginRequest
from tests.factories import MitIDAccountFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


def _login_through_mitid(client, username, *, approve=True):
    start = client.get(reverse("login:start"))
    assert start.status_code == 302
    broker_page = client.get(start.url)
    assert "Log ind med MitID" in broker_page.content.decode()
    params = broker_page.context["return_url"], broker_page.context["state"]
    posted = client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": params[0],
            "state": params[1],
            "username": username,
            "method": "app",
        },
    )
    login_request = LoginRequest.objects.latest("created_at")
    if login_request.account:
        client.post(
            reverse("mitid:app_decide", args=[login_request.account.username, login_request.pk]),
            {"decision": "approve" if approve else "reject"},
        )
    finish = client.get(reverse("mitid:login_finish", args=[login_request.pk]))
    if finish.status_code != 302:
        return finish
    assert posted.status_code == 302
    return client.get(finish.url, follow=True)


def test_a_person_logs_in_and_the_header_shows_their_name(client):
    account = MitIDAccountFactory(username="lars.holm")
    page = _login_through_mitid(client, "lars.holm")
    html = page.content.decode()
    assert page.status_code == 200
    assert account.person.full_name in html
    assert "Du er logget ind med dit private MitID" in html
    assert "mitid_identity" in client.session
    assert account.person.cpr not in str(dict(client.session))


def test_a_user_of_one_organisation_is_signed_in_to_it(client):
    account = MitIDAccountFactory(username="org.admin")
    grant = RoleGrantFactory(
        user=UserFactory(cpr=account.person.cpr, state="imported"),
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    )
    page = _login_through_mitid(client, "org.admin")
    assert page.context["request"].user == grant.user
    assert escape(grant.organisation.name) in page.content.decode()


def test_a_user_of_two_organisations_chooses_one(client):
    account = MitIDAccountFactory(username="to.steder")
    first = UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    second = UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    page = _login_through_mitid(client, "to.steder")
    assert page.request["PATH_INFO"] == reverse("login:choose_organisation")
    html = page.content.decode()
    assert escape(first.organisation.name) in html
    assert escape(second.organisation.name) in html
    chosen = client.post(reverse("login:choose_organisation"), {"user": second.pk}, follow=True)
    assert chosen.context["request"].user == second


def test_choosing_someone_elses_user_is_404(client):
    account = MitIDAccountFactory(username="to.steder")
    UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    stranger = UserFactory()
    _login_through_mitid(client, "to.steder")
    response = client.post(reverse("login:choose_organisation"), {"user": stranger.pk})
    assert response.status_code == 404


def test_suspended_users_are_not_signed_in(client):
    account = MitIDAccountFactory(username="suspenderet")
    UserFactory(cpr=account.person.cpr, state="suspended")
    page = _login_through_mitid(client, "suspenderet")
    assert not page.context["request"].user.is_authenticated


def test_a_rejected_approval_leaves_no_session(client):
    MitIDAccountFactory(username="afviser")
    response = _login_through_mitid(client, "afviser", approve=False)
    assert response.status_code == 403
    assert "mitid_identity" not in client.session


def test_a_forged_callback_is_refused(client):
    client.get(reverse("login:start"))
    response = client.get(reverse("login:callback"), {"code": "x", "state": "forged"}, follow=True)
    assert "Login mislykkedes" in response.content.decode()
    assert "mitid_identity" not in client.session


def test_logout_ends_the_session(client):
    MitIDAccountFactory(username="lars.holm")
    _login_through_mitid(client, "lars.holm")
    client.post(reverse("login:logout"))
    assert "mitid_identity" not in client.session


def test_each_login_is_recorded_for_the_login_history(client):
    from activation.models import LoginEvent

    account = MitIDAccountFactory(username="historik")
    user = UserFactory(cpr=account.person.cpr, uses_private_mitid=True)
    _login_through_mitid(client, "historik")
    event = LoginEvent.objects.get(user=user)
    assert event.means == "private" and event.succeeded


def test_a_user_with_a_separate_mitid_is_not_signed_in_by_private_mitid(client):
    account = MitIDAccountFactory(username="saerskilt")
    UserFactory(cpr=account.person.cpr, uses_private_mitid=False)
    page = _login_through_mitid(client, "saerskilt")
    assert not page.context["request"].user.is_authenticated
