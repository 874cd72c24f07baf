"""The portal's session engine (users.sessions): every session row carries the id of the user signed
in to it, so suspending or closing a user ends their sessions with one DELETE by that column,
however many other sessions there are; clearsessions still clears the expired ones."""

import datetime

import pytest
from django.conf import settings
from django.contrib import auth
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from tests.factories import MitIDAccountFactory, UserFactory
from tests.portal.test_login import _login_through_mitid
from users.models import User
from users.services import lifecycle
from users.sessions import SessionStore, UserSession
from users.tasks import sessions_clear_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(organisation):
    return UserFactory(organisation=organisation, state=User.State.ACTIVE, first_name="Lise")


def _session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _other_sessions(count: int, *, first_user_id: int = 10_000_000) -> None:
    """``count`` live sessions of other (made-up) users, written in one go."""
    expire = timezone.now() + datetime.timedelta(hours=1)
    UserSession.objects.bulk_create(
        UserSession(
            session_key=get_random_string(32),
            session_data=SessionStore().encode({auth.SESSION_KEY: str(first_user_id + n)}),
            expire_date=expire,
            user_id=first_user_id + n,
        )
        for n in range(count)
    )


def test_the_portal_uses_the_session_engine_that_knows_its_user():
    assert settings.SESSION_ENGINE == "users.sessions"
    assert SessionStore.get_model_class() is UserSession
    assert UserSession.get_session_store_class() is SessionStore


def test_logging_in_through_mitid_fills_the_sessions_user_column(organisation):
    account = MitIDAccountFactory(username="lise.session")
    user = UserFactory(organisation=organisation, cpr=account.person.cpr, uses_private_mitid=True)
    client = Client()

    page = _login_through_mitid(client, "lise.session")

    assert page.context["request"].user == user
    row = UserSession.objects.get(session_key=_session_key(client))
    assert row.user_id == user.pk
    assert row.get_decoded()[auth.SESSION_KEY] == str(user.pk)


def test_force_login_fills_the_column_and_a_change_of_user_moves_it(subject, org_admin):
    client = Client()
    client.force_login(subject)
    first_key = _session_key(client)
    assert UserSession.objects.get(session_key=first_key).user_id == subject.pk

    client.force_login(org_admin)  # Django's login flushes another user's session

    assert not UserSession.objects.filter(session_key=first_key).exists()
    assert UserSession.objects.get(session_key=_session_key(client)).user_id == org_admin.pk
    assert not UserSession.objects.filter(user_id=subject.pk).exists()


def test_every_save_writes_the_user_of_the_sessions_data(subject, org_admin):
    store = SessionStore()
    store["anything"] = "anonymous"
    store.save()
    assert UserSession.objects.get(session_key=store.session_key).user_id is None

    store[auth.SESSION_KEY] = str(subject.pk)
    store.save()
    assert UserSession.objects.get(session_key=store.session_key).user_id == subject.pk

    store[auth.SESSION_KEY] = str(org_admin.pk)
    store.save()
    assert UserSession.objects.get(session_key=store.session_key).user_id == org_admin.pk

    store[auth.SESSION_KEY] = "not a number"
    store.save()
    assert UserSession.objects.get(session_key=store.session_key).user_id is None


def test_user_sessions_end_ends_exactly_that_users_live_sessions(subject, org_admin):
    phone, laptop, admin = Client(), Client(), Client()
    phone.force_login(subject)
    laptop.force_login(subject)
    admin.force_login(org_admin)
    anonymous_store = SessionStore()
    anonymous_store["visited"] = True
    anonymous_store.save()
    # An expired session of the user is not counted as ended (clearsessions removes it).
    UserSession.objects.create(
        session_key=get_random_string(32),
        session_data=SessionStore().encode({auth.SESSION_KEY: str(subject.pk)}),
        expire_date=timezone.now() - datetime.timedelta(minutes=1),
        user_id=subject.pk,
    )

    assert lifecycle.user_sessions_end(user_id=subject.pk) == 2

    assert not UserSession.objects.filter(session_key=_session_key(phone)).exists()
    assert not UserSession.objects.filter(session_key=_session_key(laptop)).exists()
    assert UserSession.objects.filter(session_key=_session_key(admin)).exists()
    assert UserSession.objects.filter(session_key=anonymous_store.session_key).exists()
    assert admin.get(reverse("portal:home")).wsgi_request.user == org_admin
    assert lifecycle.user_sessions_end(user_id=subject.pk) == 0


def test_user_sessions_end_takes_one_query_with_3_or_300_other_sessions(organisation):
    counts = []
    for others, first_user_id in ((3, 10_000_000), (300, 20_000_000)):
        _other_sessions(others, first_user_id=first_user_id)
        user = UserFactory(organisation=organisation, state=User.State.ACTIVE)
        Client().force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert lifecycle.user_sessions_end(user_id=user.pk) == 1
        counts.append(len(queries))
    assert counts == [1, 1]
    assert UserSession.objects.count() == 303  # the others' sessions go on


def test_a_user_whose_sessions_end_is_anonymous_on_the_next_request(subject):
    # The user stays active: the session is gone, not refused by the blocked-session middleware.
    client = Client()
    client.force_login(subject)
    assert client.get(reverse("portal:home")).wsgi_request.user == subject

    lifecycle.user_sessions_end(user_id=subject.pk)

    assert not client.get(reverse("portal:home")).wsgi_request.user.is_authenticated


def test_a_suspended_users_next_request_is_anonymous(subject, org_admin):
    client = Client()
    client.force_login(subject)
    key = _session_key(client)

    lifecycle.user_suspend(user=subject, reason="Orlov", actor=org_admin)

    assert not UserSession.objects.filter(session_key=key).exists()
    assert not client.get(reverse("portal:home")).wsgi_request.user.is_authenticated


def test_clearsessions_removes_the_expired_sessions_only(subject):
    client = Client()
    client.force_login(subject)
    UserSession.objects.create(
        session_key=get_random_string(32),
        session_data=SessionStore().encode({auth.SESSION_KEY: str(subject.pk)}),
        expire_date=timezone.now() - datetime.timedelta(minutes=1),
        user_id=subject.pk,
    )

    call_command("clearsessions")

    assert list(UserSession.objects.values_list("session_key", flat=True)) == [_session_key(client)]


def test_the_daily_task_deletes_the_expired_sessions_only(subject, org_admin):
    live = Client()
    live.force_login(subject)
    for user in (subject, org_admin, None):
        UserSession.objects.create(
            session_key=get_random_string(32),
            session_data=SessionStore().encode(
                {auth.SESSION_KEY: str(user.pk)} if user else {"anonymous": True}
            ),
            expire_date=timezone.now() - datetime.timedelta(seconds=1),
            user_id=user.pk if user else None,
        )

    with CaptureQueriesContext(connection) as queries:
        deleted = sessions_clear_task.call()

    # One DELETE (read before the next request, which empties the query log).
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["DELETE"]
    assert deleted == 3
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [_session_key(live)]
    assert live.get(reverse("portal:home")).wsgi_request.user == subject
