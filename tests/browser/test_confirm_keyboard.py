"""Keyboard only (issue 13): a destructive act through its DKFDS confirmation modal. Tab and
Enter open it, the focus moves into it, Escape closes it with nothing done and the focus back on
the button; Space opens it again, Tab and Shift+Tab stay inside it, Enter on its own button
acts. axe runs with the dialog open. Also Roller: no role is chosen at first, and the modal names
the role chosen.

Guide steps: G5.1 (the users awaiting activation, where an activation is cancelled), G8.1 (the
organisation administrator appoints administrators on Roller)."""

import pytest
from playwright.sync_api import expect

from activation import services as activation_services
from activation.models import Invitation
from organisations.models import RoleGrant
from simulators.mitid.models import Device
from tests.activation.factories import ImportedUserFactory, SetUpOrganisationFactory
from tests.browser.conftest import axe_check
from tests.browser.test_keyboard import mitid_login, press, tab_to
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED = "el => el === document.activeElement"
FOCUS_INSIDE = "el => el.contains(document.activeElement)"
FOCUS_INSIDE_OR_NONE = (
    "el => el.contains(document.activeElement) || !document.activeElement"
    " || document.activeElement === document.body"
)


def reach(page, locator, key: str) -> None:
    """Press ``key`` on ``locator``, tabbing to it first unless it has the focus already."""
    if not locator.evaluate(FOCUSED):
        tab_to(page, locator)
    page.keyboard.press(key)


def _admin(organisation, username: str):
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    account = MitIDAccountFactory(person=person, username=username)
    DeviceFactory(account=account, kind=Device.Kind.APP)
    admin = UserFactory(
        organisation=organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        cpr=person.cpr,
    )
    RoleGrantFactory(user=admin, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN)
    return admin


def test_cancelling_an_activation_through_its_confirmation_from_the_keyboard(context, page):
    organisation = SetUpOrganisationFactory(allowed_means=["app"], allow_private_mitid=False)
    _admin(organisation, "hanne.bekraeft")
    user = ImportedUserFactory(organisation=organisation, first_name="Mette", last_name="Hansen")
    (invitation,) = activation_services.users_activation_start(
        organisation=organisation, users=[user], means=["app"], actor=None
    )

    page.goto("/log-paa/?next=/aktivering/afventer/")
    mitid_login(context, page, "hanne.bekraeft")
    expect(page.get_by_role("heading", level=1)).to_have_text("Afventer aktivering")
    axe_check(page)

    trigger = page.get_by_role("button", name="Annullér aktiveringen af Mette Hansen")
    dialog = page.get_by_role("dialog", name="Vil du annullere aktiveringen af Mette Hansen?")
    expect(dialog).to_be_hidden()
    press(page, trigger, "Enter")
    expect(dialog).to_be_visible()
    assert dialog.evaluate(FOCUS_INSIDE), "the focus did not move into the dialog"
    expect(dialog.get_by_role("button", name="Luk")).to_be_focused()
    axe_check(page)

    # Escape closes it; nothing has happened and the focus is back on the button.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert trigger.evaluate(FOCUSED), "the focus did not return to the button"
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.LIVE

    # Space opens it again; Tab and Shift+Tab stay inside the dialog.
    page.keyboard.press("Space")
    expect(dialog).to_be_visible()
    confirm = dialog.get_by_role("button", name="Ja, annullér aktiveringen")
    # The rest of the page is inert: Tab goes through Luk, the confirm button and Annullér, and
    # past them only to the browser's own controls (the body), never to the page behind.
    for _ in range(8):
        page.keyboard.press("Tab")
        assert dialog.evaluate(FOCUS_INSIDE_OR_NONE), "Tab reached the page behind the dialog"
    for _ in range(8):
        page.keyboard.press("Shift+Tab")
        assert dialog.evaluate(FOCUS_INSIDE_OR_NONE), "Shift+Tab reached the page behind"
    tab_to(page, confirm)
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Luk")).to_be_focused()
    page.keyboard.press("Tab")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Aktiveringen af Mette Hansen er annulleret.")).to_be_visible()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.CANCELLED
    axe_check(page)


def test_roller_grants_only_the_chosen_role_after_confirmation_from_the_keyboard(context, page):
    organisation = SetUpOrganisationFactory(allowed_means=["app"], allow_private_mitid=False)
    _admin(organisation, "hanne.roller")
    mette = UserFactory(organisation=organisation, first_name="Mette", last_name="Hansen")

    page.goto("/log-paa/?next=/organisation/roller/")
    mitid_login(context, page, "hanne.roller")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roller")
    select = page.get_by_label("Rolle til Mette Hansen")
    expect(select).to_have_value("")
    expect(select.locator("option:checked")).to_have_text("Vælg rolle")
    # The whole name of the strongest role is visible: the list is as wide as its options.
    assert select.evaluate("el => el.scrollWidth <= el.clientWidth + 1")

    # Tildel with no role chosen asks for one instead of opening the confirmation.
    trigger = page.get_by_role("button", name="Tildel rolle til Mette Hansen")
    reach(page, trigger, "Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert not RoleGrant.objects.filter(user=mette).exists()

    if not select.evaluate(FOCUSED):  # the browser's own message put the focus on the list
        tab_to(page, select)
    page.keyboard.type("Rettigheds")
    expect(select).to_have_value(RoleGrant.Role.RIGHTS_ADMIN)
    reach(page, trigger, "Space")
    dialog = page.get_by_role(
        "dialog", name="Vil du tildele Mette Hansen rollen Rettighedsadministrator?"
    )
    expect(dialog).to_be_visible()
    axe_check(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert not RoleGrant.objects.filter(user=mette).exists()

    reach(page, trigger, "Enter")  # the focus came back to it
    reach(page, dialog.get_by_role("button", name="Ja, tildel"), "Enter")
    expect(page.get_by_text("Mette Hansen er nu rettighedsadministrator.")).to_be_visible()
    assert set(RoleGrant.objects.filter(user=mette).values_list("role", flat=True)) == {
        RoleGrant.Role.RIGHTS_ADMIN
    }
