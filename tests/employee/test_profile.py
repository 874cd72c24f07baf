"""*Min profil*: data, roles, bound means (remove with confirmation and an email) and the login
history; and the login events recorded by ``login_event_record``."""

from html import escape

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from activation.models import BoundMeans, LoginEvent
from activation.services.login import login_event_record
from mitid_portal.models import AuditEvent, OutboundEmail
from organisations.models import RoleGrant
from tests.employee.factories import BoundMeansFactory, LoginEventFactory
from tests.factories import DeviceFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    user = UserFactory(phone="+4512345678", uses_private_mitid=True, email="lars@example.dk")
    RoleGrantFactory(user=user, role=RoleGrant.Role.USER_ADMIN)
    return user


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def test_profile_shows_the_users_data_means_and_roles(user_client, user):
    BoundMeansFactory(user=user, kind="private")
    device = DeviceFactory(kind="kodeviser")
    BoundMeansFactory(user=user, kind="kodeviser", device_serial=device.serial)
    BoundMeansFactory(user=user, kind="chip", removed_at="2026-01-01T00:00:00Z")
    html = user_client.get(reverse("employee:profile")).content.decode()
    assert "<h1>Min profil</h1>" in html
    assert escape(user.full_name) in html
    assert escape(user.organisation.name) in html
    assert "Brugeradministrator" in html
    assert "lars@example.dk" in html and "+4512345678" in html
    assert "Privat MitID" in html and "MitID kodeviser" in html and device.serial in html
    assert "MitID chip" not in html


def test_login_history_is_paginated_twenty_a_page(user_client, user, django_assert_max_num_queries):
    LoginEventFactory.create_batch(25, user=user, ip_address="192.0.2.7")
    LoginEventFactory(user=UserFactory(), ip_address="198.51.100.9")
    # 14, and the rights (two queries) and who gives a new means (one) since issue 13.
    with django_assert_max_num_queries(17):
        first = user_client.get(reverse("employee:profile"))
    assert first.context["page"].paginator.count == 25
    assert len(first.context["page"].object_list) == 20
    assert "Side 1 af 2" in first.content.decode()
    second = user_client.get(reverse("employee:profile"), {"side": 2})
    assert len(second.context["page"].object_list) == 5
    assert "198.51.100.9" not in first.content.decode() + second.content.decode()


def test_profile_needs_a_signed_in_organisation_user(client):
    response = client.get(reverse("employee:profile"))
    assert response.status_code == 302
    assert reverse("login:start") in response.url


def test_removing_a_means_asks_first_then_removes_and_emails(
    user_client, user, django_capture_on_commit_callbacks
):
    BoundMeansFactory(user=user, kind="private")
    chip = BoundMeansFactory(
        user=user, kind="chip", device_serial=DeviceFactory(kind="chip").serial
    )
    url = reverse("employee:means_remove", args=[chip.pk])

    confirm = user_client.get(url)
    assert "Vil du fjerne MitID chip?" in confirm.content.decode()
    chip.refresh_from_db()
    assert chip.removed_at is None

    with django_capture_on_commit_callbacks(execute=True):
        done = user_client.post(url, follow=True)
    assert "MitID chip er fjernet" in done.content.decode()
    chip.refresh_from_db()
    assert chip.removed_at is not None
    (message,) = mail.outbox
    assert message.to == ["lars@example.dk"]
    assert message.subject.startswith("Et identifikationsmiddel er fjernet")
    assert "MitID chip" in message.body
    assert AuditEvent.objects.filter(action="means_removed").count() == 1


def test_removing_private_mitid_stops_its_use(user_client, user):
    private = BoundMeansFactory(user=user, kind="private")
    BoundMeansFactory(user=user, kind="app", device_serial=DeviceFactory().serial)
    user_client.post(reverse("employee:means_remove", args=[private.pk]))
    user.refresh_from_db()
    assert not user.uses_private_mitid


def test_the_last_means_cannot_be_removed(user_client, user):
    only = BoundMeansFactory(user=user, kind="private")
    response = user_client.post(reverse("employee:means_remove", args=[only.pk]), follow=True)
    assert "Du kan ikke fjerne dit eneste identifikationsmiddel" in response.content.decode()
    only.refresh_from_db()
    assert only.removed_at is None
    assert not OutboundEmail.objects.exists()


def test_another_users_means_is_404(user_client, user):
    BoundMeansFactory(user=user)
    BoundMeansFactory(user=user, kind="chip")
    foreign = BoundMeansFactory(kind="private")
    BoundMeansFactory(user=foreign.user, kind="chip")
    url = reverse("employee:means_remove", args=[foreign.pk])
    assert user_client.get(url).status_code == 404
    assert user_client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.removed_at is None


def test_login_event_record_keeps_means_and_address(user):
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5")
    event = login_event_record(user=user, means="private", request=request)
    assert LoginEvent.objects.get() == event
    assert event.ip_address == "203.0.113.5" and event.means == "private"


def test_login_history_shows_the_means_label(user_client, user):
    login_event_record(user=user, means=BoundMeans.Kind.PRIVATE, request=None)
    html = user_client.get(reverse("employee:profile")).content.decode()
    assert 'data-testid="login-history"' in html
    assert "Privat MitID" in html


def test_profile_links_to_asking_for_a_right(user_client):
    html = user_client.get(reverse("employee:profile")).content.decode()
    url = reverse("organisations:right_request_new")
    assert f'href="{url}"' in html
    assert "Anmod om en rettighed" in html
    assert user_client.get(url).status_code == 200
