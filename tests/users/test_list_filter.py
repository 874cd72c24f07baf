"""*Brugere* filtered by state (``?state=``), the filter kept through pagination and search, and
the migration overview's bars leading to lists whose count is the bar's number."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from activation.models import Invitation
from activation.overview import chart_bars, expiring_figure, migration_counts
from tests.factories import OrganisationFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


def _states(response) -> set[str]:
    return {user.state for user in response.context["page"].object_list}


def _invited(organisation, *, days: int, n: int = 1) -> None:
    for _ in range(n):
        user = UserFactory(organisation=organisation, state=User.State.AWAITING)
        Invitation.objects.create(
            user=user,
            organisation=organisation,
            token_hash=f"filter-{user.pk}",
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )


def test_the_list_shows_only_the_chosen_state_and_says_so(admin_client, organisation):
    UserFactory.create_batch(2, organisation=organisation, state=User.State.SUSPENDED)
    UserFactory.create_batch(3, organisation=organisation, state=User.State.AWAITING)
    response = admin_client.get(reverse("users:list"), {"state": "suspended"})
    assert response.status_code == 200
    assert _states(response) == {"suspended"}
    assert response.context["page"].paginator.count == 2
    html = response.content.decode()
    assert "Viser kun brugere med status: <strong>Suspenderet</strong>" in html
    assert 'href="?">Vis alle brugere</a>' in html
    # The filter is chosen in the search form, so a search keeps it.
    assert re.search(r'<option value="suspended" selected>Suspenderet</option>', html)


@pytest.mark.parametrize("state", ["awaiting", "active", "suspended", "closed"])
def test_every_listed_state_filters(admin_client, organisation, state):
    for each in ("awaiting", "active", "suspended", "closed"):
        UserFactory(organisation=organisation, state=each)
    response = admin_client.get(reverse("users:list"), {"state": state})
    assert _states(response) == {state}


@pytest.mark.parametrize("value", ["bogus", "ACTIVE", "active'--", "x" * 500])
def test_an_unknown_state_is_ignored_with_a_message(admin_client, organisation, value):
    UserFactory(organisation=organisation, state=User.State.SUSPENDED)
    response = admin_client.get(reverse("users:list"), {"state": value})
    assert response.status_code == 200
    assert _states(response) == {"active", "suspended"}  # the administrator is active
    assert "Ukendt status – alle brugere vises." in response.content.decode()


def test_imported_users_are_on_their_own_list(admin_client):
    response = admin_client.get(reverse("users:list"), {"state": "imported", "q": "Ole"})
    assert response.status_code == 302
    assert response.url == reverse("users:imported") + "?q=Ole"


def test_pagination_keeps_the_filter_and_the_search(admin_client, organisation):
    UserFactory.create_batch(
        55, organisation=organisation, state=User.State.SUSPENDED, last_name="Hansen"
    )
    UserFactory.create_batch(5, organisation=organisation, state=User.State.ACTIVE)
    first = admin_client.get(reverse("users:list"), {"state": "suspended", "q": "hansen"})
    assert first.context["page"].paginator.count == 55
    html = first.content.decode()
    next_link = re.search(r'href="\?([^"]*side=2)"', html).group(1)
    assert unescape(next_link) == "q=hansen&state=suspended&side=2"
    second = admin_client.get(reverse("users:list") + "?" + unescape(next_link))
    assert len(second.context["page"].object_list) == 5
    assert _states(second) == {"suspended"}
    assert 'value="hansen"' in second.content.decode()


def test_the_filtered_list_uses_a_constant_number_of_queries(
    admin_client, organisation, django_assert_max_num_queries
):
    UserFactory.create_batch(3, organisation=organisation, state=User.State.SUSPENDED)
    with django_assert_max_num_queries(20) as few:
        admin_client.get(reverse("users:list"), {"state": "suspended"})
    UserFactory.create_batch(120, organisation=organisation, state=User.State.SUSPENDED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(reverse("users:list"), {"state": "suspended", "side": "2"})
    assert response.status_code == 200


def test_the_pending_list_filters_links_expiring_within_seven_days(admin_client, organisation):
    _invited(organisation, days=3, n=2)
    _invited(organisation, days=20, n=3)
    _invited(OrganisationFactory(), days=3)
    response = admin_client.get(reverse("activation:pending"), {"udloeber": "7"})
    assert response.context["page"].paginator.count == 2
    html = response.content.decode()
    assert "Viser kun aktiveringslinks, der udløber inden 7 dage." in html
    assert response.status_code == 200
    everything = admin_client.get(reverse("activation:pending"), {"udloeber": "forever"})
    assert everything.context["page"].paginator.count == 5


def test_the_pending_lists_pages_keep_the_expiry_filter(admin_client, organisation):
    _invited(organisation, days=3, n=27)
    _invited(organisation, days=20, n=2)
    html = admin_client.get(reverse("activation:pending"), {"udloeber": "7"}).content.decode()
    assert 'href="?udloeber=7&amp;side=2"' in html
    second = admin_client.get(reverse("activation:pending"), {"udloeber": "7", "side": "2"})
    assert len(second.context["page"].object_list) == 2


def test_every_bar_of_the_overview_leads_to_a_list_of_its_number(admin_client, organisation):
    UserFactory.create_batch(4, organisation=organisation, state=User.State.IMPORTED)
    UserFactory.create_batch(2, organisation=organisation, state=User.State.SUSPENDED)
    UserFactory.create_batch(3, organisation=organisation, state=User.State.CLOSED)
    _invited(organisation, days=2, n=2)
    _invited(organisation, days=25, n=3)
    # An awaiting user whose live link has run out is awaiting, but not "expiring".
    _invited(organisation, days=-1)
    UserFactory.create_batch(5, organisation=OrganisationFactory(), state=User.State.SUSPENDED)

    counts = migration_counts(organisation=organisation)
    bars = [*chart_bars(counts), expiring_figure(counts)]
    assert {bar.key: bar.count for bar in bars} == {
        "imported": 4,
        "awaiting": 6,
        "active": 1,
        "suspended": 2,
        "expiring": 2,
    }
    page = admin_client.get(reverse("activation:migration_overview")).content.decode()
    for bar in bars:
        assert f'href="{bar.url}"' in page.replace("&amp;", "&")
        response = admin_client.get(bar.url)
        assert response.status_code == 200, bar.key
        assert response.context["page"].paginator.count == bar.count, bar.key
