"""*Importerede brugere* filters by what imported users differ in – the roles, groups and rights
they brought from NemID – beside the search (issue 14), and its *Aktivér brugere* for "all
matching" activates exactly the users the filtered list shows (the whole filter, through
``activation.selection``), not every imported user."""

from html import unescape

import pytest
from django.urls import reverse

from activation.models import Invitation
from organisations.models import PublicService, RoleGrant, UserGroup, UserRight
from tests.activation.factories import ImportedUserFactory
from tests.factories import OrganisationFactory
from users.models import User

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [u.last_name for u in response.context["page"].object_list]


@pytest.fixture
def world(organisation):
    organisation.allowed_means = ["app", "kodeviser"]
    organisation.save(update_fields=["allowed_means"])
    service = PublicService.objects.create(code="imp-filter-service", name="Medicinkortet")
    group = UserGroup.objects.create(organisation=organisation, name="Sygeplejersker")
    group.services.add(service)
    direct = ImportedUserFactory(organisation=organisation, last_name="Direkte")
    UserRight.objects.create(user=direct, service=service)
    member = ImportedUserFactory(organisation=organisation, last_name="Medlem")
    group.members.add(member)
    admin = ImportedUserFactory(organisation=organisation, last_name="Admin")
    RoleGrant.objects.create(organisation=organisation, user=admin, role=RoleGrant.Role.USER_ADMIN)
    ImportedUserFactory(organisation=organisation, last_name="Uden")
    other = ImportedUserFactory(organisation=OrganisationFactory(), last_name="Fremmed")
    UserRight.objects.create(user=other, service=service)
    return {"service": service, "group": group, "direct": direct, "member": member}


def test_the_filters_of_importerede(admin_client, world):
    url = reverse("users:imported")
    assert _names(admin_client.get(url)) == ["Admin", "Direkte", "Medlem", "Uden"]
    by_right = admin_client.get(url, {"right": world["service"].pk})
    assert _names(by_right) == ["Direkte", "Medlem"]  # directly or through a group
    assert _names(admin_client.get(url, {"group": world["group"].pk})) == ["Medlem"]
    assert _names(admin_client.get(url, {"role": RoleGrant.Role.USER_ADMIN})) == ["Admin"]
    assert _names(admin_client.get(url, {"right": world["service"].pk, "q": "dir"})) == ["Direkte"]
    html = unescape(by_right.content.decode())
    assert "Flere filtre" in html
    assert "Markér alle 2 brugere, der matcher søgningen" in html
    assert f'name="filter" value="right={world["service"].pk}"' in html
    # The export has the filtered list too.
    body = b"".join(
        admin_client.get(
            reverse("users:imported_export"), {"right": world["service"].pk}
        ).streaming_content
    ).decode("utf-8-sig")
    assert "Direkte" in body and "Medlem" in body and "Uden" not in body


def test_aktiver_brugere_for_all_matching_the_filter_activates_those_only(admin_client, world):
    response = admin_client.post(
        reverse("activation:bulk_start"),
        {"all_matching": "1", "source": "importerede", "filter": f"right={world['service'].pk}"},
    )
    assert response.url == reverse("activation:bulk_means")
    assert admin_client.get(response.url).context["count"] == 2
    means = admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    assert means.url == reverse("activation:bulk_confirm")
    confirm = admin_client.get(means.url)
    assert confirm.context["count"] == 2
    admin_client.post(reverse("activation:bulk_confirm"))
    started = set(Invitation.objects.values_list("user__last_name", flat=True))
    assert started == {"Direkte", "Medlem"}
    assert set(
        User.objects.filter(state=User.State.IMPORTED).values_list("last_name", flat=True)
    ) == {"Admin", "Uden", "Fremmed"}


def test_a_post_with_the_search_alone_still_selects_by_the_search(admin_client, world):
    """A form rendered before the list sent its filter (the search in ``q``)."""
    response = admin_client.post(
        reverse("activation:bulk_start"), {"all_matching": "1", "q": "med"}
    )
    assert response.url == reverse("activation:bulk_means")
    assert admin_client.get(response.url).context["count"] == 1


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_an_invalid_filter_refuses_the_selection_instead_of_selecting_all(admin_client, world):
    """A value the list would ignore (with a notice) must not turn "all in group X" into "all
    imported users": a made-up group, a crafted query string of too many fields."""
    for bad in ("group=999999", "right=999999", "&" * 1500, "cpr=not-a-token"):
        response = admin_client.post(
            reverse("activation:bulk_start"),
            {"all_matching": "1", "source": "importerede", "filter": bad},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == reverse("users:imported"), bad
        assert any("Filteret er ikke længere gyldigt" in m for m in _messages(response)), bad
        assert "activation_bulk" not in admin_client.session
    # Brugere's and Afventer's bulk actions refuse it the same way.
    response = admin_client.post(
        reverse("activation:bulk_action"),
        {"source": "brugere", "filter": "group=999999", "all_matching": "1", "action": "suspend"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("users:list")
    assert any("Filteret er ikke længere gyldigt" in m for m in _messages(response))


def test_a_group_deleted_after_the_selection_stops_the_wizard(admin_client, world):
    admin_client.post(
        reverse("activation:bulk_start"),
        {"all_matching": "1", "source": "importerede", "filter": f"group={world['group'].pk}"},
    )
    assert admin_client.get(reverse("activation:bulk_means")).context["count"] == 1
    admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    world["group"].delete()
    response = admin_client.post(reverse("activation:bulk_confirm"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("users:imported")
    assert any("Filteret er ikke længere gyldigt" in m for m in _messages(response))
    assert not Invitation.objects.exists()


def test_a_filter_cannot_reach_other_states_or_lists(admin_client, world, organisation):
    active = ImportedUserFactory(organisation=organisation, last_name="Aktiv")
    User.objects.filter(pk=active.pk).update(state=User.State.ACTIVE)
    response = admin_client.post(
        reverse("activation:bulk_start"),
        {"all_matching": "1", "source": "importerede", "filter": "state=active&source=brugere"},
    )
    assert response.url == reverse("activation:bulk_means")
    # The fields Importerede does not have are dropped: its four imported users, none else.
    assert admin_client.get(response.url).context["count"] == 4
    assert admin_client.session["activation_bulk"]["filter"] == ""


def test_a_changed_number_is_confirmed_again(admin_client, world, organisation):
    admin_client.post(
        reverse("activation:bulk_start"),
        {"all_matching": "1", "source": "importerede", "filter": f"right={world['service'].pk}"},
    )
    admin_client.post(reverse("activation:bulk_means"), {"means": ["kodeviser"]})
    assert admin_client.get(reverse("activation:bulk_confirm")).context["count"] == 2
    late = ImportedUserFactory(organisation=organisation, last_name="Sen")
    UserRight.objects.create(user=late, service=world["service"])
    response = admin_client.post(reverse("activation:bulk_confirm"), {"count": "2"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("activation:bulk_confirm")
    assert any("Antallet af brugere er ændret" in m for m in _messages(response))
    assert not Invitation.objects.exists()
    assert response.context["count"] == 3
    admin_client.post(reverse("activation:bulk_confirm"), {"count": "3"})
    assert Invitation.objects.count() == 3
