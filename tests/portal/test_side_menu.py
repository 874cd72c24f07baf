"""The administrators' side menu: items registered by the apps in the kernel's registry, shown
by role, in the same order as always, *Importerede brugere* only while imported users exist."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from mitid_portal.context_processors import portal
from mitid_portal.registry import menu_items, user_roles
from organisations.models import RoleGrant
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

EVERY_ITEM = [
    "Opsætning",
    "Importerede brugere",
    "Brugere",
    "Afventer aktivering",
    "Massehandlinger",
    "Organisation",
    "Indstillinger",
    "Min profil",
    "Overblik",
    "Revisionslog",
    "Roller",
    "IdM-klienter",
    "Rettigheder",
    "Anmodninger",
    "Fuldmagter",
    "Opret bruger",
]


def _menu(user, path="/organisation/") -> list[dict]:
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    return portal(request)["side_menu"]


def _labels(user) -> list[str]:
    return [str(item["label"]) for item in _menu(user)]


def test_the_registry_holds_every_item_in_order_with_its_roles():
    items = menu_items()
    assert [str(item.label) for item in items] == EVERY_ITEM
    roles = {item.url_name: item.roles for item in items}
    assert roles["organisations:setup"] == {"org_admin"}
    assert roles["users:imported"] == {"org_admin", "user_admin"}
    assert roles["organisations:rights"] == {"rights_admin", "user_admin"}
    assert roles["organisations:right_requests"] == {"rights_admin"}
    assert roles["organisations:powers"] == {"org_admin", "rights_admin"}
    assert roles["idm:clients"] == {"org_admin"}
    assert roles["employee:profile"] is None and roles["organisations:overview"] is None
    for item in items:
        reverse(item.url_name)  # every registered page exists


def test_an_administrator_with_every_role_sees_every_item_while_users_are_imported():
    admin = UserFactory()
    for role in RoleGrant.Role.values:
        RoleGrantFactory(user=admin, role=role)
    UserFactory(organisation=admin.organisation, state="imported")
    assert user_roles(user=admin) == set(RoleGrant.Role.values)
    assert _labels(admin) == EVERY_ITEM


def test_importerede_brugere_goes_when_no_user_is_imported():
    admin = RoleGrantFactory(role=RoleGrant.Role.ORGANISATION_ADMIN).user
    assert "Importerede brugere" not in _labels(admin)
    UserFactory(organisation=admin.organisation, state="imported")
    assert "Importerede brugere" in _labels(admin)


def test_a_plain_user_sees_the_organisation_and_their_profile():
    assert _labels(UserFactory()) == ["Organisation", "Min profil"]


def test_a_rights_administrator_sees_the_rights_pages():
    user = RoleGrantFactory(role=RoleGrant.Role.RIGHTS_ADMIN).user
    assert _labels(user) == [
        "Organisation",
        "Min profil",
        "Rettigheder",
        "Anmodninger",
        "Fuldmagter",
    ]


def test_only_the_longest_matching_item_is_current():
    admin = RoleGrantFactory(role=RoleGrant.Role.USER_ADMIN).user
    menu = _menu(admin, path=reverse("activation:user_create"))
    assert [str(item["label"]) for item in menu if item["active"]] == ["Opret bruger"]


def test_a_page_whose_item_is_not_in_the_menu_marks_no_item():
    """Rettigheder opened by an organisation administrator (whose menu lacks it: *Ingen adgang*)
    marks no item, not *Organisation* (/organisation/, a prefix of /organisation/rettigheder/)."""
    admin = RoleGrantFactory(role=RoleGrant.Role.ORGANISATION_ADMIN).user
    menu = _menu(admin, path=reverse("organisations:rights"))
    assert "Rettigheder" not in [str(item["label"]) for item in menu]
    assert [item for item in menu if item["active"]] == []


def test_rettigheder_marks_rettigheder_and_its_subpages_too():
    user = RoleGrantFactory(role=RoleGrant.Role.RIGHTS_ADMIN).user
    menu = _menu(user, path=reverse("organisations:rights"))
    assert [(str(i["label"]), i["current"]) for i in menu if i["active"]] == [("Rettigheder", True)]
    group = _menu(user, path=reverse("organisations:groups"))
    assert [(str(i["label"]), i["current"]) for i in group if i["active"]] == [
        ("Rettigheder", False)
    ]


def test_the_main_menu_marks_organisation_on_every_administrators_page():
    """*Organisation* in the main menu is the section of every side-menu page (/brugere/ too),
    and carries the side menu as its submenu (the phone's drawer shows it there)."""
    admin = RoleGrantFactory(role=RoleGrant.Role.USER_ADMIN).user
    request = RequestFactory().get(reverse("users:list"))
    request.user = admin
    request.session = {}
    context = portal(request)
    main = {str(item["label"]): item for item in context["main_menu"]}
    assert main["Organisation"]["active"] and not main["Organisation"]["current"]
    assert main["Organisation"]["submenu"] == context["side_menu"]
    assert not main["Forside"]["active"] and main["Hjælp"]["submenu"] == []
