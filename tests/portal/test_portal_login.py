"""``portal_login``: the one way every login signs a user in (session rotated, MitID identity
set or kept, the login recorded for *Min profil*)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from activation.models import LoginEvent
from activation.services.login import portal_login
from mitid_portal.identity import SESSION_KEY, identity_current, identity_session_data
from mitid_portal.outside import Identity
from tests.factories import UserFactory
from users.sessions import SessionStore

pytestmark = pytest.mark.django_db

PERSON = Identity(
    cpr="0101901234",
    first_name="Lars",
    last_name="Holm",
    birth_date=datetime.date(1990, 1, 1),
)


def _request(user=None, identity: Identity | None = None):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.session = SessionStore()
    request.user = AnonymousUser()
    if identity is not None:
        request.session[SESSION_KEY] = identity_session_data(identity)
    if user is not None:
        portal_login(request, user=user, means="private")
    request.session.save()
    return request


def test_it_signs_in_rotates_the_session_and_records_the_login():
    user = UserFactory()
    request = _request()
    before = request.session.session_key
    event = portal_login(request, user=user, means="app", identity=PERSON)
    assert request.user == user
    assert request.session.session_key != before
    assert identity_current(request) == PERSON
    assert LoginEvent.objects.get() == event
    assert (event.user, event.means, event.ip_address) == (user, "app", "203.0.113.9")


def test_it_keeps_the_identity_the_session_held():
    user = UserFactory()
    request = _request(identity=PERSON)
    portal_login(request, user=user, means="private")
    assert identity_current(request) == PERSON


def test_the_identity_of_another_users_session_does_not_carry_over():
    first, second = UserFactory(), UserFactory()
    request = _request(user=first, identity=PERSON)
    portal_login(request, user=second, means="chip")
    assert request.user == second
    assert SESSION_KEY not in request.session
    assert LoginEvent.objects.filter(user=second, means="chip").count() == 1


def test_a_given_identity_replaces_the_sessions():
    other = Identity(
        cpr="0202802345", first_name="Hanne", last_name="Vest", birth_date=datetime.date(1980, 2, 2)
    )
    first, second = UserFactory(), UserFactory()
    request = _request(user=first, identity=PERSON)
    portal_login(request, user=second, means="private", identity=other)
    assert identity_current(request) == other
