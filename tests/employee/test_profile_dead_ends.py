"""*Min profil* without dead ends (issue 13): the only means cannot be removed, and the page says
how to get another one and from whom; the rights carried over from NemID are listed under
*Rettigheder*, so the employee can check they have "samme adgange som før"."""

from html import escape

import pytest
from django.urls import reverse

from activation.models import BoundMeans
from organisations.models import PublicService, RoleGrant, UserGroup, UserRight
from tests.employee.factories import BoundMeansFactory
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(first_name="Lise", last_name="Kristensen", email="lise@example.dk")


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def test_the_only_means_offers_the_way_to_another_instead_of_a_remove_button(user_client, user):
    only = BoundMeansFactory(user=user, kind="private")
    page = user_client.get(reverse("employee:means_remove", args=[only.pk])).content.decode()
    assert 'data-testid="only-means"' in page
    assert "dit eneste identifikationsmiddel" in page
    assert f'href="{reverse("employee:profile")}#tilfoej"' in page
    assert ">Fjern</button>" not in page


def test_with_two_means_the_remove_confirmation_is_offered(user_client, user):
    first = BoundMeansFactory(user=user, kind="private")
    BoundMeansFactory(user=user, kind="app")
    page = user_client.get(reverse("employee:means_remove", args=[first.pk])).content.decode()
    assert ">Fjern</button>" in page and 'data-testid="only-means"' not in page


def test_a_refused_removal_points_to_adding_a_means(user_client, user):
    only = BoundMeansFactory(user=user, kind="private")
    response = user_client.post(reverse("employee:means_remove", args=[only.pk]), follow=True)
    page = response.content.decode()
    assert "Bed en brugeradministrator om et nyt identifikationsmiddel" in page
    assert "Tilføj et andet først" not in page
    assert BoundMeans.objects.get(pk=only.pk).removed_at is None


def test_the_profile_names_the_user_administrators_who_give_a_new_means(user_client, user):
    BoundMeansFactory(user=user, kind="private")
    helper = RoleGrantFactory(
        user__organisation=user.organisation,
        user__first_name="Søren",
        user__last_name="Bech",
        user__email="soeren@example.dk",
        role=RoleGrant.Role.USER_ADMIN,
    ).user
    RoleGrantFactory(
        user__organisation=user.organisation,
        user__first_name="Hanne",
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    )
    RoleGrantFactory(user__first_name="Fremmed", role=RoleGrant.Role.USER_ADMIN)  # elsewhere
    page = user_client.get(reverse("employee:profile")).content.decode()
    assert 'id="tilfoej"' in page and "Tilføj et identifikationsmiddel" in page
    helpers = page.split('data-testid="means-helpers"')[1].split("</ul>")[0]
    assert escape(helper.full_name) in helpers and 'href="mailto:soeren@example.dk"' in helpers
    assert "Hanne" not in helpers and "Fremmed" not in helpers


def test_without_user_administrators_the_organisation_administrators_are_named(user_client, user):
    RoleGrantFactory(
        user__organisation=user.organisation,
        user__first_name="Hanne",
        user__last_name="Vestergaard",
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    )
    page = user_client.get(reverse("employee:profile")).content.decode()
    assert "Hanne Vestergaard" in page.split('data-testid="means-helpers"')[1]


def test_the_profile_lists_the_rights_carried_over_from_nemid(user_client, user):
    fmk = PublicService.objects.create(code="fmk-t", name="FMK")
    refusion = PublicService.objects.create(code="nemrefusion-t", name="NemRefusion")
    post = PublicService.objects.create(code="post-t", name="Digital Post")
    UserRight.objects.create(user=user, service=fmk, from_rid="38416203")
    UserRight.objects.create(user=user, service=refusion, granted_by_name="Søren Bech")
    group = UserGroup.objects.create(organisation=user.organisation, name="Sekretærer")
    group.services.add(post)
    group.members.add(user)
    other = UserFactory(organisation=user.organisation)
    UserRight.objects.create(
        user=other, service=PublicService.objects.create(code="x-t", name="Tinglysning")
    )

    page = user_client.get(reverse("employee:profile")).content.decode()
    table = page.split('data-testid="profile-rights"')[1].split("</table>")[0]
    assert "FMK" in table and "Overført fra NemID (RID 38416203)" in table
    assert "NemRefusion" in table and "Givet af en administrator" in table
    assert "Digital Post" in table and "Gennem brugergruppen Sekretærer" in table
    assert "Tinglysning" not in table
    assert "samme adgange som før" in page


def test_a_profile_without_rights_says_so(user_client):
    page = user_client.get(reverse("employee:profile")).content.decode()
    assert 'data-testid="profile-rights"' not in page
    assert "Du har ingen rettigheder til offentlige tjenester." in page
