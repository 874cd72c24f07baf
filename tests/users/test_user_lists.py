"""*Brugere* and *Importerede brugere* fit for thousands: search (name, email, bruger-ID, RID,
CPR through its keyed hash), filters, sortable columns, page size and jump to page, the back half
read from the end, the selection "all N matching" posted to the bulk actions, the streamed CSV
export of the current filter, constant query counts (3 vs 60 users) and isolation."""

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import PublicService, RoleGrant, UserGroup, UserRight
from tests.factories import OrganisationFactory, UserFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [u.last_name for u in response.context["page"].object_list]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def _many(organisation, n: int, **kwargs) -> list[User]:
    return [
        UserFactory(
            organisation=organisation,
            last_name=f"Navn{i:03d}",
            first_name="Bo",
            state=User.State.ACTIVE,
            **kwargs,
        )
        for i in range(n)
    ]


# --- Search and filters -----------------------------------------------------------------------


def test_search_by_bruger_id_email_rid_and_cpr(admin_client, organisation):
    cpr = fictitious_cpr(777)
    target = UserFactory(
        organisation=organisation,
        last_name="Målet",
        email="maal@firma.dk",
        rid="123456",
        bruger_id="mette.maal",
        cpr=cpr,
    )
    UserFactory(organisation=organisation, last_name="Andre", rid="999")
    UserFactory(organisation=OrganisationFactory(), last_name="Fremmed", cpr=cpr)
    url = reverse("users:list")
    for q in ("mette.ma", "MAAL@firma", "123456", cpr, f"{cpr[:6]}-{cpr[6:]}"):
        response = admin_client.get(url, {"q": q}, follow=True)
        assert _names(response) == ["Målet"], q
    # A CPR number is matched whole, never as a part: 8 digits find nothing by CPR.
    assert _names(admin_client.get(url, {"q": cpr[:8]})) == []
    html = admin_client.get(url, {"q": cpr}, follow=True).content.decode()
    rows = html[html.index("<tbody>") : html.index("</tbody>")]
    assert target.masked_cpr in rows and cpr not in rows


def test_the_filters_of_brugere(admin_client, organisation, org_admin):
    service = PublicService.objects.create(code="h2-test-service", name="Testtjeneste")
    group = UserGroup.objects.create(organisation=organisation, name="Lægerne")
    app = UserFactory(organisation=organisation, last_name="App", means=["app"])
    chip = UserFactory(organisation=organisation, last_name="Chip", means=["chip"])
    grouped = UserFactory(organisation=organisation, last_name="Gruppe")
    group.members.add(grouped)
    group.services.add(service)
    direct = UserFactory(organisation=organisation, last_name="Direkte", nemid_employee_id=42)
    UserRight.objects.create(user=direct, service=service)
    old = timezone.now() - datetime.timedelta(days=100)
    User.objects.filter(pk=app.pk).update(last_login=old)
    User.objects.filter(pk=chip.pk).update(last_login=timezone.now())
    User.objects.filter(pk=grouped.pk).update(last_login=timezone.now())
    User.objects.filter(pk=direct.pk).update(last_login=timezone.now())
    User.objects.filter(pk=org_admin.pk).update(last_login=timezone.now())
    url = reverse("users:list")

    def names(**params):
        return set(_names(admin_client.get(url, params)))

    assert names(means="app") == {"App"}
    assert names(role=RoleGrant.Role.ORGANISATION_ADMIN) == {org_admin.last_name}
    assert names(group=group.pk) == {"Gruppe"}
    assert names(right=service.pk) == {"Gruppe", "Direkte"}
    assert names(origin="imported") == {"Direkte"}
    assert "Direkte" not in names(origin="created")
    before = (timezone.now() - datetime.timedelta(days=10)).date().isoformat()
    assert names(login_before=before) == {"App"}
    # Another organisation's group is no choice: an invalid value, ignored with a notice.
    foreign = UserGroup.objects.create(organisation=OrganisationFactory(), name="Fremmed")
    response = admin_client.get(url, {"group": foreign.pk})
    assert len(_names(response)) == 5
    assert "Et filter har en ugyldig værdi og er ikke brugt." in response.content.decode()


def test_the_filter_is_kept_through_sort_page_size_and_export(admin_client, organisation):
    _many(organisation, 3, means=["app"])
    html = admin_client.get(reverse("users:list"), {"means": "app", "antal": "100"}).content
    html = unescape(html.decode())
    assert '<a href="?means=app&sort=navn&antal=100">' not in html  # already sorted by name
    assert 'href="?means=app&sort=-navn&antal=100"' in html
    assert 'aria-sort="ascending"><a href="?means=app&sort=-navn&antal=100">Navn</a>' in html
    assert f'href="{reverse("users:list_export")}?means=app&antal=100"' in html
    assert '<input type="hidden" name="antal" value="100">' in html


# --- Sort, page size, jump to page, the back half -----------------------------------------------


@pytest.mark.parametrize("sort", ["-navn", "email", "login", "-status"])
def test_every_page_of_every_sort_is_a_slice_of_one_order(admin_client, organisation, sort):
    users = _many(organisation, 29)  # 30 with the administrator: pages of 25 and 5
    for i, user in enumerate(users):
        User.objects.filter(pk=user.pk).update(
            rid=f"{(i * 3) % 7}",
            email=f"{(i * 5) % 7}@x.dk",
            last_login=None if i % 2 else timezone.now() - datetime.timedelta(days=i % 5),
            state=User.State.ACTIVE if i % 3 else User.State.SUSPENDED,
        )
    url = reverse("users:list")
    whole = [u.pk for u in admin_client.get(url, {"sort": sort, "antal": "100"}).context["page"]]
    assert len(whole) == 30
    first = admin_client.get(url, {"sort": sort, "antal": "25"}).context["page"]
    second = admin_client.get(url, {"sort": sort, "antal": "25", "side": "2"}).context["page"]
    assert [u.pk for u in first] + [u.pk for u in second] == whole


def test_the_back_half_is_read_from_the_end_in_the_same_order(admin_client, organisation):
    _many(organisation, 59)  # 60 with the administrator: 3 pages of 25 (the last of 10)
    url = reverse("users:list")
    whole = [u.pk for u in admin_client.get(url, {"antal": "100"}).context["page"]]
    pages = [admin_client.get(url, {"antal": "25", "side": n}).context["page"] for n in (1, 2, 3)]
    assert [u.pk for page in pages for u in page] == whole
    assert [len(page) for page in pages] == [25, 25, 10]
    last = admin_client.get(url, {"antal": "25", "side": "sidste"}).context["page"]
    assert last.number == 3 and [u.pk for u in last] == whole[50:]
    beyond = admin_client.get(url, {"antal": "25", "side": "99"}).context["page"]
    assert beyond.number == 3


def test_unknown_sort_and_page_size_fall_back(admin_client, organisation):
    _many(organisation, 2)
    response = admin_client.get(reverse("users:list"), {"sort": "password", "antal": "1000000"})
    assert response.status_code == 200
    assert response.context["sort"] == "navn" and response.context["per_page"] == 50


def test_jump_to_page_and_page_numbers(admin_client, organisation):
    _many(organisation, 130)
    html = admin_client.get(reverse("users:list"), {"side": "2", "antal": "25"}).content.decode()
    assert 'name="side" min="1" max="6" value="2"' in html
    assert 'aria-current="page"' in html
    assert re.search(r'href="\?antal=25&amp;side=6"', html)


# --- Selection and bulk form ---------------------------------------------------------------------


def test_the_bulk_form_posts_the_selection_or_all_matching_with_the_filter(
    admin_client, organisation
):
    users = _many(organisation, 3, means=["app"])
    html = admin_client.get(reverse("users:list"), {"means": "app"}).content.decode()
    assert f'action="{reverse("activation:bulk_action")}"' in html
    assert '<input type="hidden" name="source" value="brugere">' in html
    assert '<input type="hidden" name="filter" value="means=app">' in html
    assert 'name="all_matching" value="1"' in html
    assert "Vælg alle 3 brugere, der matcher filteret" in html
    assert 'name="action"' in html
    for user in users:
        assert f'name="user" value="{user.pk}"' in html


def test_the_imported_list_keeps_the_bulk_activation_and_offers_the_actions(
    admin_client, organisation
):
    user = UserFactory(organisation=organisation, state=User.State.IMPORTED)
    html = admin_client.get(reverse("users:imported")).content.decode()
    assert f'action="{reverse("activation:bulk_start")}"' in html
    assert '<input type="hidden" name="source" value="importerede">' in html
    assert f'name="user" value="{user.pk}"' in html
    assert "Aktivér brugere" in html


# --- Export -----------------------------------------------------------------------------------


def test_the_export_holds_the_filtered_list_of_the_own_organisation_without_cpr(
    admin_client, organisation
):
    a = UserFactory(organisation=organisation, last_name="Aa", email="=cmd@x.dk", means=["app"])
    UserFactory(organisation=organisation, last_name="Bb", means=["chip"])
    UserFactory(organisation=OrganisationFactory(), last_name="Cc", means=["app"])
    response = admin_client.get(reverse("users:list_export"), {"means": "app"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:3] == ["Fornavn(e)", "Efternavn", "E-mail"]
    assert [row[1] for row in rows[1:]] == ["Aa"]
    assert rows[1][2] == "'=cmd@x.dk"  # formula-safe
    body = "\n".join(";".join(row) for row in rows)
    assert a.cpr not in body and a.cpr[:6] not in body


def test_the_imported_export(admin_client, organisation):
    UserFactory(organisation=organisation, state=User.State.IMPORTED, last_name="Importeret")
    UserFactory(organisation=organisation, state=User.State.ACTIVE, last_name="Aktiv")
    rows = _csv(admin_client.get(reverse("users:imported_export")))
    assert [row[1] for row in rows[1:]] == ["Importeret"]


# --- Query counts: 3 vs 60 users ----------------------------------------------------------------

PAGES = [
    ("users:list", {}),
    ("users:list", {"side": "sidste", "antal": "25"}),
    ("users:list", {"q": "bo"}),
    ("users:list", {"q": "0101"}),
    ("users:list", {"sort": "-email"}),
    ("users:list", {"sort": "login"}),
    ("users:list", {"sort": "status", "means": "app", "role": "org_admin"}),
    ("users:list", {"login_before": "2030-01-01", "origin": "created"}),
    ("users:list_export", {}),
    ("users:list_export", {"q": "bo", "sort": "rid"}),
    ("users:imported", {}),
    ("users:imported", {"side": "sidste", "antal": "25", "sort": "-rid"}),
    ("users:imported_export", {"q": "bo"}),
]


@pytest.mark.parametrize("name,params", PAGES)
def test_query_counts_do_not_grow_with_the_organisation(
    admin_client, organisation, django_assert_num_queries, name, params
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(reverse(name), params)
            if response.streaming:
                b"".join(response.streaming_content)
            assert response.status_code == 200
        return len(captured.captured_queries)

    state = User.State.IMPORTED if "imported" in name else User.State.ACTIVE
    UserFactory.create_batch(
        3, organisation=organisation, state=state, first_name="Bo", means=["app"]
    )
    small = count()
    UserFactory.create_batch(
        57, organisation=organisation, state=state, first_name="Bo", means=["app"]
    )
    with django_assert_num_queries(small):
        response = admin_client.get(reverse(name), params)
        if response.streaming:
            b"".join(response.streaming_content)


# --- Search by beginnings, served by indexes (users 0013) -------------------------------------


@pytest.mark.parametrize("walked", [False, True], ids=["sorted", "walked"])
def test_search_finds_the_beginning_of_a_name_email_bruger_id_or_rid(
    admin_client, organisation, monkeypatch, walked
):
    if walked:
        # Every search read in the name index's order, as one that finds thousands is: the
        # same matches written for the walk (users.selectors.users_searched, walked_in).
        monkeypatch.setattr("mitid_portal.listing.SORTED_BELOW", 0)
    mette = UserFactory(
        organisation=organisation,
        first_name="Mette",
        last_name="Hansen",
        email="mh@firma.dk",
        state=User.State.ACTIVE,
    )
    anne = UserFactory(
        organisation=organisation,
        first_name="Anne Marie",
        last_name="Holm",
        email="amh@firma.dk",
        rid="4711",
        state=User.State.ACTIVE,
    )
    UserFactory(organisation=organisation, first_name="Bo", last_name="Jensen", rid="1147")
    url = reverse("users:list")

    def found(q: str) -> set[int]:
        return {u.pk for u in admin_client.get(url, {"q": q}).context["page"].object_list}

    assert found("Mette") == found("mette") == found("HANS") == {mette.pk}
    assert found("Mette Hansen") == found("mette  h") == {mette.pk}
    assert found("mh@") == found("MH@FIRMA.DK") == {mette.pk}
    assert found("Anne Marie H") == found("anne") == found("471") == {anne.pk}
    # Beginnings only: the middle of a name, an email or a RID finds nothing.
    assert found("ette") == found("firma.dk") == found("711") == set()
    assert found("Hansen Mette") == set()


def test_a_search_reads_the_same_page_sorted_or_walked(admin_client, organisation, monkeypatch):
    """Few matches are sorted (``listing.SORTED_BELOW``), many read in the order's index: the
    same rows either way, on every page."""
    _many(organisation, 30, email="x@firma.dk")
    url = reverse("users:list")
    pages = [{"q": "navn0", "antal": "25", "side": str(n)} for n in (1, 2)]
    sorted_rows = [_names(admin_client.get(url, p)) for p in pages]
    monkeypatch.setattr("mitid_portal.listing.SORTED_BELOW", 0)
    walked_rows = [_names(admin_client.get(url, p)) for p in pages]
    assert sorted_rows == walked_rows
    assert sorted_rows[0] + sorted_rows[1] == [f"Navn{i:03d}" for i in range(30)]


def test_a_page_size_or_page_of_non_ascii_digits_is_ignored(admin_client):
    # "²".isdigit() is True, but int("²") raises: the list must not answer 500.
    for params in ({"antal": "²"}, {"side": "²"}, {"antal": "١٠٠"}):
        assert admin_client.get(reverse("users:list"), params).status_code == 200
        assert admin_client.get(reverse("users:list_export"), params).status_code == 200


# --- A broad search: counted up to listing.COUNT_CAP, read in the name index's order ------------


def test_a_broad_search_is_counted_up_to_the_cap_and_paged_on(
    admin_client, organisation, monkeypatch
):
    monkeypatch.setattr("mitid_portal.listing.COUNT_CAP", 50)
    _many(organisation, 60)
    UserFactory(organisation=organisation, first_name="Anne", last_name="Anden")
    url = reverse("users:list")
    expected = [f"Navn{i:03d}" for i in range(60)]

    first = admin_client.get(url, {"q": "bo", "antal": "25"})
    page = first.context["page"]
    assert (page.more, page.count, page.has_next()) == (True, 50, True)
    assert _names(first) == expected[:25]
    text = unescape(first.content.decode())
    assert "Mere end 50 brugere" in text
    assert "Vælg alle brugere, der matcher filteret (mere end 50)" in text
    assert "Side 1 af flere" in text
    assert page.page_links() == [1, 2, None]
    assert 'side=sidste">Sidste side</a>' in text and "Flere sider" in text
    assert 'max="' not in text.split('id="jump-page"')[1].split(">")[0]

    second = admin_client.get(url, {"q": "bo", "antal": "25", "side": "2"})
    assert second.context["page"].more and _names(second) == expected[25:50]
    # Past the counted rows, and the last page: every match is counted.
    for params in ({"side": "3"}, {"side": "sidste"}):
        third = admin_client.get(url, {"q": "bo", "antal": "25", **params})
        page = third.context["page"]
        assert (page.more, page.count, page.number) == (False, 60, 3)
        assert _names(third) == expected[50:]
        assert "60 brugere" in unescape(third.content.decode())
    # A narrow search is counted whole, as before.
    narrow = admin_client.get(url, {"q": "anne"})
    assert (narrow.context["page"].more, narrow.context["page"].count) == (False, 1)
    # The selection of "all matching" is the whole search, not the counted rows.
    response = admin_client.post(
        reverse("activation:bulk_action"),
        {"source": "brugere", "filter": "q=bo", "all_matching": "1", "action": "suspend"},
        follow=True,
    )
    assert response.context["job"].total == 60


def test_the_imported_list_counts_a_broad_search_up_to_the_cap(
    admin_client, organisation, monkeypatch
):
    monkeypatch.setattr("mitid_portal.listing.COUNT_CAP", 25)
    for i in range(30):
        UserFactory(
            organisation=organisation,
            first_name="Bo",
            last_name=f"Navn{i:03d}",
            state=User.State.IMPORTED,
        )
    response = admin_client.get(reverse("users:imported"), {"q": "navn", "antal": "25"})
    page = response.context["page"]
    assert (page.more, page.count) == (True, 25)
    assert _names(response) == [f"Navn{i:03d}" for i in range(25)]
    text = unescape(response.content.decode())
    assert "Mere end 25 brugere" in text
    assert "Markér alle brugere, der matcher søgningen (mere end 25)" in text


def test_counts_of_thousands_have_a_thousands_separator(admin_client, organisation, monkeypatch):
    monkeypatch.setattr("mitid_portal.listing.COUNT_CAP", 1500)
    User.objects.bulk_create(
        User(
            organisation=organisation,
            sandbox=organisation.sandbox,
            username=f"tusind{i}",
            first_name="Bo",
            last_name=f"Navn{i:04d}",
            state=User.State.ACTIVE,
            password="!",
        )
        for i in range(1600)
    )
    text = unescape(admin_client.get(reverse("users:list"), {"q": "bo"}).content.decode())
    assert "Mere end 1.500 brugere" in text
    text = unescape(admin_client.get(reverse("users:list")).content.decode())
    assert re.search(r"1\.60\d brugere", text)
