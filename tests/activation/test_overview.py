"""*Overblik*: the migration overview – % migrated, the users by status as bars with HTML labels
and numbers (no SVG text), the links expiring within 7 days as a figure of their own, the
activations of each of the last 14 days from the real data, links to the lists behind them, and
constant queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activation.models import Invitation
from activation.overview import chart_bars, migrated_percent, migration_counts
from activation.selectors import activations_per_day
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


def test_the_page_shows_the_figures_bars_and_links(admin_client, organisation):
    _users(organisation, imported=4, awaiting=3, active=2, suspended=1, expiring=2)
    response = admin_client.get(reverse("activation:migration_overview"))
    html = response.content.decode()
    assert response.status_code == 200
    numbers = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', html))
    # The signed-in organisation administrator is an active user too.
    assert numbers == {
        "imported": "4",
        "awaiting": "3",
        "active": "3",
        "suspended": "1",
        "expiring": "2",
    }
    # 3 of 11 users are active: 27 % (rounded down).
    assert 'data-testid="migrated-percent">27<' in html
    assert "3 af 11 brugere er aktive i MitID Erhverv." in html
    # The expiring links are a figure of their own, not a bar among the statuses.
    chart = html[html.index('data-testid="overview-chart"') :]
    chart = chart[: chart.index("</ul>")]
    assert "count-expiring" not in chart
    assert "Links der udløber inden 7 dage" not in chart
    assert f'href="{reverse("users:imported")}"' in chart
    assert f'href="{reverse("users:list")}?state=awaiting"' in chart
    assert f'href="{reverse("users:list")}?state=active"' in chart
    assert f'href="{reverse("users:list")}?state=suspended"' in chart
    assert f'href="{reverse("activation:pending")}?udloeber=7"' in html
    assert "css/overview.css" in html


def test_no_text_is_drawn_in_svg_so_labels_keep_the_page_size(admin_client, organisation):
    _users(organisation, imported=4, active=2)
    html = admin_client.get(reverse("activation:migration_overview")).content.decode()
    assert "<svg" in html
    assert "<text" not in html
    assert "viewBox" not in html  # the bars are not scaled drawings whose text could shrink
    # Each bar's width is an SVG attribute (a percentage of its track), not a style.
    assert re.search(r'<rect class="overview-bars__fill [^"]*" width="\d+(\.\d)?%"', html)


def test_no_inline_styles_or_scripts(admin_client, organisation):
    _users(organisation, imported=1)
    html = admin_client.get(reverse("activation:migration_overview")).content.decode()
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_the_largest_bar_is_full_width_and_a_small_count_stays_visible():
    bars = {b.key: b for b in chart_bars({"imported": 1000, "active": 1, "suspended": 0})}
    assert bars["imported"].width == "100%"
    assert bars["active"].percent >= 1
    assert bars["suspended"].width == "0%"
    assert set(bars) == {"imported", "awaiting", "active", "suspended"}


def test_migrated_percent_is_the_share_of_active_users_rounded_down():
    assert migrated_percent({"imported": 0, "awaiting": 0, "active": 0, "suspended": 0}) == 0
    assert migrated_percent({"imported": 1, "awaiting": 1, "active": 1, "suspended": 0}) == 33
    assert migrated_percent({"imported": 1, "active": 199}) == 99
    assert migrated_percent({"active": 5}) == 100


def _activated(organisation, when: datetime.datetime, n: int = 1) -> None:
    for i in range(n):
        user = UserFactory(organisation=organisation, state=User.State.ACTIVE)
        Invitation.objects.create(
            user=user,
            organisation=organisation,
            token_hash=f"used-{organisation.pk}-{user.pk}-{i}",
            expires_at=when + datetime.timedelta(days=60),
            state=Invitation.State.USED,
            used_at=when,
        )


def test_activations_per_day_counts_used_invitations_of_the_last_14_days(organisation):
    now = timezone.make_aware(datetime.datetime(2026, 12, 2, 14, 0))  # Copenhagen time
    today = now.date()
    _activated(organisation, now - datetime.timedelta(hours=1), n=3)  # today
    # 00:30 in Copenhagen on 1 December is 30 November in UTC: counted on 1 December.
    _activated(organisation, timezone.make_aware(datetime.datetime(2026, 12, 1, 0, 30)), n=2)
    _activated(organisation, now - datetime.timedelta(days=13), n=1)  # the first day shown
    _activated(organisation, now - datetime.timedelta(days=14), n=4)  # too old
    _activated(organisation, now + datetime.timedelta(hours=2), n=1)  # not yet
    _activated(OrganisationFactory(), now - datetime.timedelta(hours=1), n=5)  # other organisation
    # A live or cancelled invitation is not an activation.
    UserFactory(organisation=organisation, state=User.State.AWAITING)
    _users(organisation, awaiting=2)
    Invitation.objects.filter(organisation=organisation, state=Invitation.State.LIVE).update(
        state=Invitation.State.CANCELLED, used_at=now
    )

    days = activations_per_day(organisation=organisation, now=now)
    assert len(days) == 14
    assert days[0] == (today - datetime.timedelta(days=13), 1)
    assert days[-1] == (today, 3)
    assert dict(days)[datetime.date(2026, 12, 1)] == 2
    assert sum(count for _day, count in days) == 6


def test_the_page_shows_activations_per_day(admin_client, organisation):
    now = timezone.now()
    _activated(organisation, now, n=2)
    _activated(organisation, now - datetime.timedelta(days=3), n=1)
    html = admin_client.get(reverse("activation:migration_overview")).content.decode()
    today = timezone.localdate(now)
    three_days_ago = timezone.localdate(now - datetime.timedelta(days=3))
    assert f'data-testid="day-{today:%Y-%m-%d}">2<' in html
    assert f'data-testid="day-{three_days_ago:%Y-%m-%d}">1<' in html
    assert len(re.findall(r'data-testid="day-\d{4}-\d\d-\d\d"', html)) == 14
    assert "I alt 3 brugere har aktiveret sig i perioden." in html
    assert "Aktiveringer pr. dag de seneste 14 dage" in html


def test_the_page_in_english(admin_client, organisation):
    _users(organisation, imported=1)
    admin_client.cookies["django_language"] = "en"
    html = admin_client.get(reverse("activation:migration_overview")).content.decode()
    assert "Migrated" in html
    assert "1 of 2 users are active in MitID Erhverv." in html
    assert "Activations per day in the last 14 days" in html
    assert "Links expiring within 7 days" in html


def test_an_empty_organisation_draws_empty_bars(admin_client):
    response = admin_client.get(reverse("activation:migration_overview"))
    assert response.status_code == 200


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("activation:migration_overview")).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_organisation(admin_client, organisation):
    _users(organisation, imported=2, awaiting=2, active=2, suspended=2, expiring=1)
    _activated(organisation, timezone.now(), n=1)
    few = _queries(admin_client)
    _users(organisation, imported=100, awaiting=30, active=60, suspended=10, expiring=15)
    for days_ago in range(20):
        _activated(organisation, timezone.now() - datetime.timedelta(days=days_ago), n=3)
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
