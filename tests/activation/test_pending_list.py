"""*Afventer aktivering* fit for thousands: search, filters, sort, page size, select all
matching, CSV export, constant query counts and isolation; and ``activation.selection``, the
users each list shows under its filter (the contract with the bulk actions)."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activation.models import Invitation
from activation.selection import InvalidFilter, UnknownSource, selection_users
from organisations.models import RoleGrant
from tests.activation.factories import ImportedUserFactory, SetUpOrganisationFactory
from tests.factories import UserFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db


def _pending(organisation, *, days: int = 30, **kwargs) -> User:
    user = UserFactory(organisation=organisation, state=User.State.AWAITING, **kwargs)
    Invitation.objects.create(
        user=user,
        organisation=organisation,
        token_hash=f"pending-{user.pk}",
        means=["app"],
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return user


def test_selection_of_each_list_is_what_the_list_shows(organisation, org_admin):
    other = SetUpOrganisationFactory()
    imported = ImportedUserFactory(organisation=organisation, first_name="Mette", last_name="Bo")
    ImportedUserFactory(organisation=organisation, first_name="Jens", last_name="Bo")
    ImportedUserFactory(organisation=other, first_name="Mette", last_name="Bo")
    soon = _pending(organisation, days=3, first_name="Mette", last_name="Ny")
    _pending(organisation, days=20, first_name="Mette", last_name="Senere")
    _pending(other, days=3, first_name="Mette", last_name="Fremmed")
    suspended = UserFactory(organisation=organisation, state=User.State.SUSPENDED)

    def ids(source, **params):
        return set(
            selection_users(organisation=organisation, source=source, params=params).values_list(
                "pk", flat=True
            )
        )

    assert ids("importerede", q="mette") == {imported.pk}
    assert ids("afventer", q="Mette", udloeber="7") == {soon.pk}
    assert ids("afventer", q="Mette") == {soon.pk, soon.pk + 1}
    assert ids("brugere", state="suspended") == {suspended.pk}
    # The administrator is an active user of the organisation: in Brugere, not in the others.
    assert org_admin.pk in ids("brugere")
    assert ids("brugere", role=RoleGrant.Role.ORGANISATION_ADMIN) == {org_admin.pk}
    # An invalid value refuses the selection (on the list it filters nothing, with a notice): a
    # bulk action must not widen "all in the filter" to "all".
    with pytest.raises(InvalidFilter):
        ids("brugere", state="bogus")
    with pytest.raises(UnknownSource):
        ids("revisionslog")


def test_selection_finds_a_cpr_number_exactly_through_its_hash(organisation):
    cpr = fictitious_cpr(4242)
    user = ImportedUserFactory(organisation=organisation, cpr=cpr)
    ImportedUserFactory(organisation=organisation)
    dashed = f"{cpr[:6]}-{cpr[6:]}"
    for search in (cpr, dashed):
        found = selection_users(
            organisation=organisation, source="importerede", params={"q": search}
        )
        assert list(found) == [user]
    partial = selection_users(
        organisation=organisation, source="importerede", params={"q": cpr[:8]}
    )
    assert list(partial) == []


def _names(response) -> list[str]:
    return [i.user.last_name for i in response.context["page"].object_list]


def test_search_and_filters_on_the_pending_list(admin_client, organisation):
    cpr = fictitious_cpr(9090)
    _pending(organisation, days=3, last_name="Snart", email="snart@x.dk", rid="4711")
    _pending(organisation, days=20, last_name="Senere", cpr=cpr, bruger_id="sen.ere")
    _pending(SetUpOrganisationFactory(), days=3, last_name="Fremmed", rid="4711")
    url = reverse("activation:pending")
    assert _names(admin_client.get(url, {"q": "4711"})) == ["Snart"]
    assert _names(admin_client.get(url, {"q": "snart@"})) == ["Snart"]
    assert _names(admin_client.get(url, {"q": "SEN.ERE"})) == ["Senere"]
    assert _names(admin_client.get(url, {"q": f"{cpr[:6]}-{cpr[6:]}"}, follow=True)) == ["Senere"]
    assert _names(admin_client.get(url, {"udloeber": "5"})) == ["Snart"]
    assert _names(admin_client.get(url, {"udloeber": "30"})) == ["Snart", "Senere"]
    assert _names(admin_client.get(url, {"means": "app"})) == ["Snart", "Senere"]
    assert _names(admin_client.get(url, {"means": "chip"})) == []
    html = admin_client.get(url, {"udloeber": "5"}).content.decode()
    assert "Viser kun aktiveringslinks, der udløber inden 5 dage." in html


def test_equal_expiry_is_ordered_by_name_and_the_back_half_matches(admin_client, organisation):
    expires = timezone.now() + datetime.timedelta(days=30)
    users = [
        UserFactory(organisation=organisation, state=User.State.AWAITING, last_name=f"N{i:02d}")
        for i in (5, 3, 9, 1, 7, 2, 8, 4, 6, 0) * 3
    ]
    Invitation.objects.bulk_create(
        Invitation(user=u, organisation=organisation, token_hash=f"eq-{u.pk}", expires_at=expires)
        for u in users
    )
    url = reverse("activation:pending")
    whole = _names(admin_client.get(url, {"antal": "50"}))
    assert whole == sorted(whole) and len(whole) == 30
    second = _names(admin_client.get(url, {"side": "2"}))  # the back half: read from the end
    assert second == whole[25:]
    descending = _names(admin_client.get(url, {"sort": "-navn", "antal": "25", "side": "2"}))
    assert descending == list(reversed(whole))[25:]


def test_the_pending_bulk_form_and_headers(admin_client, organisation):
    user = _pending(organisation, days=3)
    html = admin_client.get(reverse("activation:pending"), {"udloeber": "7"}).content.decode()
    assert f'action="{reverse("activation:bulk_action")}" id="bulk-form"' in html
    assert '<input type="hidden" name="source" value="afventer">' in html
    assert '<input type="hidden" name="filter" value="udloeber=7">' in html
    assert f'form="bulk-form" id="user-{user.pk}" name="user" value="{user.pk}"' in html
    assert 'name="all_matching" value="1"' in html
    assert 'aria-sort="ascending"><a href="?udloeber=7&amp;sort=-udloeber&amp;antal=25">' in html


def test_the_pending_export_is_the_filtered_list_without_cpr(admin_client, organisation):
    soon = _pending(organisation, days=3, last_name="Snart")
    _pending(organisation, days=20, last_name="Senere")
    _pending(SetUpOrganisationFactory(), days=3, last_name="Fremmed")
    response = admin_client.get(reverse("activation:pending_export"), {"udloeber": "7"})
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["Snart"]
    assert rows[1][5] == "MitID app"
    assert soon.cpr not in body


@pytest.mark.parametrize(
    "name,params",
    [
        ("activation:pending", {}),
        ("activation:pending", {"side": "sidste", "antal": "25"}),
        ("activation:pending", {"q": "bo", "udloeber": "40"}),
        ("activation:pending", {"sort": "-navn", "means": "app", "role": "org_admin"}),
        ("activation:pending", {"sort": "email", "origin": "created"}),
        ("activation:pending_export", {}),
        ("activation:pending_export", {"q": "bo", "sort": "-udloeber"}),
    ],
)
def test_pending_query_counts_do_not_grow(
    admin_client, organisation, django_assert_num_queries, name, params
):
    def get():
        response = admin_client.get(reverse(name), params)
        if response.streaming:
            b"".join(response.streaming_content)
        assert response.status_code == 200

    def add(n: int) -> None:
        users = UserFactory.create_batch(
            n, organisation=organisation, state=User.State.AWAITING, first_name="Bo"
        )
        expires = timezone.now() + datetime.timedelta(days=30)
        Invitation.objects.bulk_create(
            Invitation(
                user=u,
                organisation=organisation,
                token_hash=f"n-{u.pk}",
                means=["app"],
                expires_at=expires,
                code_hash="x" if u.pk % 2 else "",
            )
            for u in users
        )

    add(3)
    with CaptureQueriesContext(connection) as small:
        get()
    add(57)
    with django_assert_num_queries(len(small.captured_queries)):
        get()


@pytest.mark.parametrize("walked", [False, True])
def test_pages_across_expiries_are_slices_of_one_order(
    admin_client, organisation, monkeypatch, walked
):
    """The page reader counts per expiry and reads a page from the expiries it spans: every
    page of every sort is a slice of the one order, sorted (few rows) or read in the users'
    index order (many)."""
    if walked:
        monkeypatch.setattr("mitid_portal.listing.SORTED_BELOW", 0)
        monkeypatch.setattr("activation.selectors.SORTED_BELOW", 0)
    now = timezone.now()
    rows = []
    for i, days in enumerate([9, 3, 20] * 12):
        user = UserFactory(
            organisation=organisation,
            state=User.State.AWAITING,
            last_name=f"N{(i * 7) % 36:02d}",
            email=f"e{(i * 5) % 36:02d}@x.dk",
        )
        rows.append((now + datetime.timedelta(days=days), user))
    Invitation.objects.bulk_create(
        Invitation(user=u, organisation=organisation, token_hash=f"g-{u.pk}", expires_at=at)
        for at, u in rows
    )
    url = reverse("activation:pending")
    by_expiry = [u.last_name for _at, u in sorted(rows, key=lambda r: (r[0], r[1].last_name))]
    orders = {
        "udloeber": by_expiry,
        "-udloeber": [
            u.last_name for _at, u in sorted(rows, key=lambda r: (r[0], r[1].last_name))[::-1]
        ],
        "navn": sorted(u.last_name for _at, u in rows),
        "-email": [u.last_name for _at, u in sorted(rows, key=lambda r: r[1].email)[::-1]],
    }
    for sort, expected in orders.items():
        pages = [
            _names(admin_client.get(url, {"sort": sort, "antal": "25", "side": str(n)}))
            for n in (1, 2)
        ]
        assert pages[0] + pages[1] == expected, sort
        last = _names(admin_client.get(url, {"sort": sort, "antal": "25", "side": "sidste"}))
        assert last == expected[25:]
    # A search sorted by expiry counts per expiry too; by default it is by name.
    response = admin_client.get(url, {"q": "N0", "antal": "25", "sort": "udloeber"})
    assert response.context["page"].paginator.count == 10
    assert _names(response) == [n for n in by_expiry if n.startswith("N0")]
    response = admin_client.get(url, {"q": "N0", "antal": "25"})
    assert response.context["page"].paginator.count == 10
    assert _names(response) == sorted(n for n in by_expiry if n.startswith("N0"))


def test_a_search_is_by_name_and_a_broad_one_counted_up_to_the_cap(
    admin_client, organisation, monkeypatch
):
    """A search's users by name (not the soonest expiry first); one that finds more than
    ``listing.COUNT_CAP`` says "more than" and is read in the users-by-name index's order."""
    monkeypatch.setattr("mitid_portal.listing.COUNT_CAP", 25)
    for i in range(30):
        _pending(organisation, days=31 - i, first_name="Mette", last_name=f"N{i:02d}")
    _pending(organisation, days=1, first_name="Jens", last_name="Andet")
    url = reverse("activation:pending")
    expected = [f"N{i:02d}" for i in range(30)]

    response = admin_client.get(url, {"q": "mette", "antal": "25"})
    page = response.context["page"]
    assert (page.more, page.count, page.has_next()) == (True, 25, True)
    assert _names(response) == expected[:25]
    text = response.content.decode()
    assert "Mere end 25 brugere har endnu ikke aktiveret sig." in text
    assert "Vælg alle brugere, der matcher filteret (mere end 25)" in text
    last = admin_client.get(url, {"q": "mette", "antal": "25", "side": "sidste"})
    assert (last.context["page"].more, last.context["page"].count) == (False, 30)
    assert _names(last) == expected[25:]
    # The soonest expiry first when asked for, and without a search.
    by_expiry = admin_client.get(url, {"q": "mette", "sort": "udloeber", "antal": "50"})
    assert _names(by_expiry) == list(reversed(expected))
    assert _names(admin_client.get(url, {"antal": "50"}))[0] == "Andet"
    # The export follows the list's order.
    body = b"".join(
        admin_client.get(reverse("activation:pending_export"), {"q": "mette"}).streaming_content
    ).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert [row[1] for row in rows[1:]] == expected
