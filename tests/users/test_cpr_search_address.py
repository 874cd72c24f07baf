"""A list searched for a CPR number keeps the number out of the address (issue 14, noticed): the
search is redirected to ``?cpr=<keyed hash>``, so that the number is not in the browser's history,
the pagination, sort and export links, the bulk selection's filter or a Referer; the list, its
export and "select all matching" find the same user by the hash."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from activation.models import BulkJob, Invitation
from mitid_portal import crypto
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
        assert CPR[:6] not in location and CPR[6:] not in location
        assert f"cpr={crypto.cpr_hash(CPR)}" in location and "sort=email" in location
        assert "side=" not in location  # a new search starts on the first page
    page = admin_client.get(location)
    rows = page.context["page"].object_list
    assert [getattr(row, "user", row).pk for row in rows] == [target.pk]
    html = unescape(page.content.decode())
    assert CPR not in html and DASHED not in html and CPR[6:] not in html
    assert "Viser brugere med det CPR-nummer, du søgte på." in html
    # The field is empty (a new search drops the CPR), the kept links carry the hash.
    assert re.search(r'name="q" value=""', html)
    assert f"cpr={crypto.cpr_hash(CPR)}" in html
    # A name search is not redirected.
    assert admin_client.get(url, {"q": "Målet"}).status_code == 200


def test_the_export_and_select_all_matching_use_the_hash(admin_client, organisation):
    target = UserFactory(organisation=organisation, last_name="Målet", cpr=CPR)
    UserFactory(organisation=organisation, last_name="Anden")
    hashed = crypto.cpr_hash(CPR)
    body = b"".join(
        admin_client.get(reverse("users:list_export"), {"cpr": hashed}).streaming_content
    ).decode("utf-8-sig")
    assert "Målet" in body and "Anden" not in body and CPR not in body
    response = admin_client.post(
        reverse("activation:bulk_action"),
        {"source": "brugere", "filter": f"cpr={hashed}", "all_matching": "1", "action": "suspend"},
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
    html = page.content.decode()
    assert f'name="filter" value="cpr={crypto.cpr_hash(CPR)}"' in html
    response = admin_client.post(
        reverse("activation:bulk_start"),
        {"all_matching": "1", "source": "importerede", "filter": f"cpr={crypto.cpr_hash(CPR)}"},
    )
    assert response.url == reverse("activation:bulk_means")
    means = admin_client.get(response.url)
    assert means.context["count"] == 1


def test_a_made_up_hash_is_an_invalid_filter_not_an_error(admin_client, organisation):
    UserFactory(organisation=organisation, last_name="Nogen")
    response = admin_client.get(reverse("users:list"), {"cpr": "not-a-hash"})
    assert response.status_code == 200
    assert "Et filter har en ugyldig værdi og er ikke brugt." in response.content.decode()
    unknown = admin_client.get(reverse("users:list"), {"cpr": "0" * 64})
    assert list(unknown.context["page"].object_list) == []
