"""*Overblik*: the migration overview as an accessible SVG bar chart with the numbers beside
the bars and in a table, links to the lists behind each bar, and constant queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activation.models import Invitation
from activation.overview import BAR_MAX, chart_bars, migration_counts
from organisations.models import RoleGrant
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Lægehuset Overblik I/S")


@pytest.fixture
def admin_client(client, organisation):
    admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN
    ).user
    client.force_login(admin)
    return client


def _users(organisation, *, imported=0, awaiting=0, active=0, suspended=0, expiring=0):
    now = timezone.now()
    for state, n in (
        (User.State.IMPORTED, imported),
        (User.State.SUSPENDED, suspended),
        (User.State.ACTIVE, active),
    ):
        UserFactory.create_batch(n, organisation=organisation, state=state)
    for i in range(awaiting):
        user = UserFactory(organisation=organisation, state=User.State.AWAITING)
        days = 3 if i < expiring else 20
        Invitation.objects.create(
            user=user,
            organisation=organisation,
            token_hash=f"{organisation.pk}-{user.pk}-{i}",
            expires_at=now + datetime.timedelta(days=days),
        )


def test_counts_by_state_and_links_expiring_within_seven_days(organisation):
    _users(organisation, imported=4, awaiting=3, active=2, suspended=1, expiring=2)
    _users(OrganisationFactory(), imported=9, awaiting=2, expiring=2)  # another organisation
    counts = migration_counts(organisation=organisation)
    # The administrator's own user (active) is not created here; only the factory's users count.
    assert counts == {"imported": 4, "awaiting": 3, "active": 2, "suspended": 1, "expiring": 2}


def test_the_page_shows_the_chart_with_numbers_a_table_and_links(admin_client, organisation):
    _users(organisation, imported=4, awaiting=3, active=2, suspended=1, expiring=2)
    response = admin_client.get(reverse("activation:migration_overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<svg[^>]*role="img"', html)
    assert '<title id="overview-chart-title">Brugere fordelt på status</title>' in html
    numbers = dict(re.findall(r'data-key="(\w+)">(\d+)</text>', html))
    # The signed-in organisation administrator is an active user too.
    assert numbers == {
        "imported": "4",
        "awaiting": "3",
        "active": "3",
        "suspended": "1",
        "expiring": "2",
    }
    assert 'data-testid="count-imported">4</td>' in html
    assert f'href="{reverse("users:imported")}"' in html
    assert f'href="{reverse("users:list")}?state=awaiting"' in html
    assert f'href="{reverse("users:list")}?state=active"' in html
    assert f'href="{reverse("users:list")}?state=suspended"' in html
    assert f'href="{reverse("activation:pending")}?udloeber=7"' in html
    assert "css/overview.css" in html


def test_no_inline_styles_or_scripts(admin_client, organisation):
    _users(organisation, imported=1)
    html = admin_client.get(reverse("activation:migration_overview")).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_the_largest_bar_is_full_width_and_a_small_count_stays_visible():
    bars = {b.key: b for b in chart_bars({"imported": 1000, "active": 1, "suspended": 0})}
    assert bars["imported"].width == BAR_MAX
    assert bars["active"].width >= 2
    assert bars["suspended"].width == 0


def test_an_empty_organisation_draws_empty_bars(admin_client):
    response = admin_client.get(reverse("activation:migration_overview"))
    assert response.status_code == 200


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("activation:migration_overview")).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_organisation(admin_client, organisation):
    _users(organisation, imported=2, awaiting=2, active=2, suspended=2, expiring=1)
    few = _queries(admin_client)
    _users(organisation, imported=100, awaiting=30, active=60, suspended=10, expiring=15)
    many = _queries(admin_client)
    assert few == many


def test_overblik_is_in_the_side_menu_of_administrators(admin_client):
    html = admin_client.get(reverse("users:list")).content.decode()
    assert f'href="{reverse("activation:migration_overview")}"' in html
    assert f'href="{reverse("organisations:audit_log")}"' in html


def test_a_plain_user_and_a_rights_administrator_are_refused(client, organisation):
    plain = UserFactory(organisation=organisation)
    client.force_login(plain)
    assert client.get(reverse("activation:migration_overview")).status_code == 403
    rights_admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.RIGHTS_ADMIN
    ).user
    client.force_login(rights_admin)
    assert client.get(reverse("activation:migration_overview")).status_code == 403
    assert (
        f'href="{reverse("activation:migration_overview")}"'
        not in client.get(reverse("portal:home")).content.decode()
    )
