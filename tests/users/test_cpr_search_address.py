"""A list searched for a CPR number keeps the number out of the address (issue 14, noticed): the
search is redirected to ``?cpr=<keyed hash>``, so that the number is not in the browser's history,
the pagination, sort and export links, the bulk selection's filter or a Referer; the list, its
export and "select all matching" find the same user by the hash."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from activation.models import BulkJob, Invitation
from mitid_portal import cpr_search, crypto
from tests.activation.factories import ImportedUserFactory
from tests.factories import OrganisationFactory, UserFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db

CPR = fictitious_cpr(5151)
DASHED = f"{CPR[:6]}-{CPR[6:]}"


def _awaiting(organisation, **kwargs) -> User:
    user = UserFactory(organisation=organisation, state=User.State.AWAITING, **kwargs)
    Invitation.objects.create(
        user=user,
        organisation=organisation,
        token_hash=f"cpr-{user.pk}",
        means=["app"],
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return user


@pytest.mark.parametrize(
    "url_name,make",
    [
        ("users:list", lambda org, **kw: UserFactory(organisation=org, **kw)),
        ("users:imported", lambda org, **kw: ImportedUserFactory(organisation=org, **kw)),
        ("activation:pending", _awaiting),
    ],
    ids=["brugere", "importerede", "afventer"],
)
def test_a_cpr_search_is_redirected_to_its_hash_and_finds_the_user(
    admin_client, organisation, url_name, make
):
    target = make(organisation, last_name="Målet", cpr=CPR)
    make(organisation, last_name="Anden")
    make(OrganisationFactory(), last_name="Fremmed", cpr=CPR)
    url = reverse(url_name)
    for search in (CPR, DASHED, f"  {DASHED} "):
        response = admin_client.get(url, {"q": search, "sort": "email", "side": "3"})
        assert response.status_code == 302
        location = response["Location"]
        assert CPR not in location and DASHED not in unquote(location)
        assert "cpr=" in location and "sort=email" in location
        # Not the stored keyed hash either (a value to compare guessed numbers with): a token.
        assert crypto.cpr_hash(CPR) not in location
        assert "side=" not in location  # a new search starts on the first page
    page = admin_client.get(location)
    rows = page.context["page"].object_list
    assert [getattr(row, "user", row).pk for row in rows] == [target.pk]
    html = unescape(page.content.decode())
    assert CPR not in html and DASHED not in html and CPR[6:] not in html
    assert "Viser brugere med det CPR-nummer, du søgte på." in html
    # The field is empty (a new search drops the CPR), the kept links carry the hash.
    assert re.search(r'name="q" value=""', html)
    assert "cpr=" in html and crypto.cpr_hash(CPR) not in html
    # A name search is not redirected.
    assert admin_client.get(url, {"q": "Målet"}).status_code == 200


def _token(client, url_name: str = "users:list") -> str:
    """The ``?cpr=`` token the list answers a search for ``CPR`` with."""
    location = client.get(reverse(url_name), {"q": CPR})["Location"]
    return parse_qs(urlsplit(location).query)["cpr"][0]


def test_the_token_is_fresh_each_time_and_only_the_portal_reads_it(admin_client, organisation):
    first, second = _token(admin_client), _token(admin_client)
    assert first != second  # no value to compare with the token of a guessed number
    assert cpr_search.cpr_hash_of_token(first) == crypto.cpr_hash(CPR)
    assert cpr_search.cpr_hash_of_token(crypto.cpr_hash(CPR)) is None


def test_the_export_and_select_all_matching_use_the_token(admin_client, organisation):
    target = UserFactory(organisation=organisation, last_name="Målet", cpr=CPR)
    UserFactory(organisation=organisation, last_name="Anden")
    token = _token(admin_client)
    body = b"".join(
        admin_client.get(reverse("users:list_export"), {"cpr": token}).streaming_content
    ).decode("utf-8-sig")
    assert "Målet" in body and "Anden" not in body and CPR not in body
    response = admin_client.post(
        reverse("activation:bulk_action"),
        {
            "source": "brugere",
            "filter": urlencode({"cpr": token}),
            "all_matching": "1",
            "action": "suspend",
        },
        follow=True,
    )
    job = response.context["job"]
    assert job.total == 1
    assert list(job.items.values_list("user_id", flat=True)) == [target.pk]
    assert BulkJob.objects.count() == 1


def test_aktiver_brugere_for_all_matching_a_cpr_search_activates_that_user_only(
    admin_client, organisation
):
    """*Importerede brugere*'s own bulk form: "Markér alle" under a CPR search is that user, not
    every imported user (the search field is empty after the redirect)."""
    ImportedUserFactory(organisation=organisation, last_name="Målet", cpr=CPR)
    ImportedUserFactory.create_batch(3, organisation=organisation)
    page = admin_client.get(reverse("users:imported"), {"q": CPR}, follow=True)
    kept = re.search(r'name="filter" value="([^"]+)"', page.content.decode()).group(1)
    assert unescape(kept).startswith("cpr=")
    response = admin_client.post(
        reverse("activation:bulk_start"),
        {"all_matching": "1", "source": "importerede", "filter": unescape(kept)},
    )
    assert response.url == reverse("activation:bulk_means")
    assert admin_client.get(response.url).context["count"] == 1
    # A form that posts the search alone (a CPR number in q) is kept as a token, not the number.
    admin_client.post(reverse("activation:bulk_start"), {"all_matching": "1", "q": CPR})
    kept_filter = admin_client.session["activation_bulk"]["filter"]
    assert CPR not in kept_filter and kept_filter.startswith("cpr=")
    assert admin_client.get(reverse("activation:bulk_means")).context["count"] == 1


def test_a_made_up_token_is_an_invalid_filter_not_an_error(admin_client, organisation):
    UserFactory(organisation=organisation, last_name="Nogen")
    for made_up in ("not-a-token", crypto.cpr_hash(CPR), "0" * 64):
        response = admin_client.get(reverse("users:list"), {"cpr": made_up})
        assert response.status_code == 200
        assert "Et filter har en ugyldig værdi og er ikke brugt." in response.content.decode()


def test_the_login_and_the_language_switch_do_not_carry_the_number(admin_client, organisation):
    # Signed out: the login's "next" has the list without the number.
    login = Client().get(reverse("users:list"), {"q": DASHED, "sort": "email"})
    assert login.status_code == 302
    location = unquote(login["Location"])
    assert DASHED not in location and CPR not in location and "sort=email" in location
    # Without the role (a 403 page with the language switch): its return address drops it too.
    lacking = UserFactory(organisation=organisation, state=User.State.ACTIVE)
    other = Client()
    other.force_login(lacking)
    refused = other.get(reverse("users:list"), {"q": CPR})
    assert refused.status_code == 403
    assert CPR not in refused.content.decode()
    assert cpr_search.path_without_cpr(refused.wsgi_request) == reverse("users:list")


def test_brugere_with_state_imported_goes_to_importerede_with_the_filter(
    admin_client, organisation
):
    ImportedUserFactory(organisation=organisation, last_name="Målet", cpr=CPR)
    response = admin_client.get(reverse("users:list"), {"state": "imported", "q": CPR})
    assert response["Location"].startswith(reverse("users:imported") + "?cpr=")
    assert CPR not in response["Location"]
    names = [u.last_name for u in admin_client.get(response["Location"]).context["page"]]
    assert names == ["Målet"]
