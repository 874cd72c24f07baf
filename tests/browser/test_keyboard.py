"""Keyboard only (issue 7): the bulk activation (G4.1–G4.5) and one employee journey (the link,
private MitID, the 8-digit code, *Kvittering*) completed with Tab, Space, Enter and typing – no
mouse, no programmatic focus. ``page.goto`` is used only for the start page and for the
simulated MitID app on the "phone" in a second tab. axe runs on every page."""

import re

import pytest
from playwright.sync_api import expect

from activation import services as activation_services
from activation.models import Invitation
from organisations.models import RoleGrant
from simulators.mailbox.models import MailMessage
from simulators.mitid.models import Device
from tests.activation.factories import (
    BirthDateUserFactory,
    ImportedUserFactory,
    SetUpOrganisationFactory,
)
from tests.browser.conftest import axe_check
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

MAX_TABS = 80
TOKEN_IN_LINK = re.compile(r"/aktiver/link/([A-Za-z0-9_\-]{20,})/")


def tab_to(page, locator) -> None:
    """Press Tab until ``locator`` has the focus; fail if it is never reached."""
    expect(locator).to_have_count(1)
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"not reachable with Tab on {page.url}: {locator}")


def press(page, locator, key: str = "Enter") -> None:
    tab_to(page, locator)
    page.keyboard.press(key)


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def approve_on_phone(context, username: str) -> None:
    phone = context.new_page()
    phone.goto(f"/simulator/mitid/app/{username}/")
    axe_check(phone)
    press(phone, phone.get_by_role("button", name="Godkend"))
    expect(phone.get_by_text("Du har godkendt login.")).to_be_visible()
    phone.close()


def mitid_login(context, page, username: str) -> None:
    """The simulated broker: user name, the MitID app, *Fortsæt*, approval on the phone."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    axe_check(page)
    type_into(page, page.get_by_label("Bruger-ID"), username)
    app = page.get_by_label("MitID app")
    if not app.is_checked():
        press(page, app, "Space")
    expect(app).to_be_checked()
    press(page, page.get_by_role("button", name="Fortsæt"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkend i MitID app")
    axe_check(page)
    approve_on_phone(context, username)


def test_bulk_activation_from_the_keyboard_only(context, page):
    organisation = SetUpOrganisationFactory(
        allowed_means=["app", "kodeviser", "chip"], preferred_means="app", allow_private_mitid=False
    )
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    account = MitIDAccountFactory(person=person, username="hanne.tastatur")
    DeviceFactory(account=account, kind=Device.Kind.APP)
    admin = UserFactory(
        organisation=organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        cpr=person.cpr,
    )
    RoleGrantFactory(user=admin, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN)
    users = ImportedUserFactory.create_batch(3, organisation=organisation)
    users.append(BirthDateUserFactory(organisation=organisation))

    page.goto("/log-paa/?next=/brugere/importerede/")
    mitid_login(context, page, "hanne.tastatur")

    # G4.1 Markér alle brugere – G4.2 Aktivér brugere.
    expect(page.get_by_role("heading", level=1)).to_have_text("Importerede brugere", timeout=15_000)
    axe_check(page)
    boxes = page.locator("input[type=checkbox][name=user]")
    expect(boxes).to_have_count(4)
    mark_all = page.locator("input[type=checkbox]:not([name=user])").first
    press(page, mark_all, "Space")
    for box in boxes.all():
        if not box.is_checked():  # without the page's script, each box by itself
            press(page, box, "Space")
        expect(box).to_be_checked()
    press(page, page.get_by_role("button", name="Aktivér brugere"))

    # G4.3 Vælg identifikationsmidler → Næste.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vælg identifikationsmidler")
    expect(page.get_by_text("Du har markeret 4 brugere til aktivering.")).to_be_visible()
    axe_check(page)
    kodeviser = page.get_by_label("MitID kodeviser")
    press(page, kodeviser, "Space")
    expect(kodeviser).to_be_checked()
    press(page, page.get_by_role("button", name="Næste"))

    # G4.4 Bekræft og start aktivering af brugere → Aktivér brugere.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bekræft og start aktivering af brugere"
    )
    axe_check(page)
    press(page, page.get_by_role("button", name="Aktivér brugere"))

    # G4.5 Kvittering → Afslut.
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    expect(page.get_by_test_id("receipt-count")).to_have_text(
        "Aktiveringen er startet for 4 brugere."
    )
    axe_check(page)
    press(page, page.get_by_role("button", name="Afslut"))
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Kvittering")
    axe_check(page)

    assert set(
        User.objects.filter(pk__in=[u.pk for u in users]).values_list("state", flat=True)
    ) == {User.State.AWAITING}
    assert Invitation.objects.filter(user__in=users, state="live").count() == 4


def test_an_employee_activates_with_private_mitid_and_the_code_from_the_keyboard_only(
    context, page, mailbox_backend
):
    organisation = SetUpOrganisationFactory(allowed_means=["app"], allow_private_mitid=True)
    admin = UserFactory(organisation=organisation)
    RoleGrantFactory(user=admin, organisation=organisation, role=RoleGrant.Role.USER_ADMIN)
    account = MitIDAccountFactory(username="kirsten.tastatur")
    DeviceFactory(account=account, kind=Device.Kind.APP)
    person = account.person
    user = UserFactory(
        organisation=organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        cpr="",
        cpr_hash="",
        birth_date=person.birth_date,
        email="kirsten.tastatur@example.dk",
        state=User.State.IMPORTED,
    )
    (invitation,) = activation_services.users_activation_start(
        organisation=organisation, users=[user], means=["private", "app"], actor=admin
    )
    code = activation_services.activation_code_reveal(invitation=invitation, actor=admin)
    body = MailMessage.objects.get(subject__icontains="aktiv").body_text
    (token,) = TOKEN_IN_LINK.findall(body)

    # G6.1 the emailed link → *Aktivér din bruger* → *Aktivér bruger*.
    page.goto(f"/aktiver/link/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktivér din bruger")
    axe_check(page)
    press(page, page.get_by_role("link", name="Aktivér bruger"))

    # G6.2–G6.3 *Log ind med dit private MitID* → the broker → the app.
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med dit private MitID")
    axe_check(page)
    press(page, page.get_by_role("button", name="Næste"))
    mitid_login(context, page, account.username)

    # G6.5 *Vil du bruge dit private MitID* → Ja → Næste.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vil du bruge dit private MitID", timeout=15_000
    )
    axe_check(page)
    yes = page.get_by_label("Ja, jeg vil bruge mit private MitID")
    press(page, yes, "Space")
    expect(yes).to_be_checked()
    press(page, page.get_by_role("button", name="Næste"))

    # G6.6 the 8-digit code: a wrong length first (the message keeps what was typed), then right.
    expect(page.get_by_role("heading", level=1)).to_have_text("Indtast aktiveringskoden på 8 cifre")
    axe_check(page)
    type_into(page, page.get_by_label("Aktiveringskode"), code[:7])
    page.keyboard.press("Enter")  # submits the form from the field
    # The error summary links to the field, and the field says it too.
    summary = page.locator(".error-summary, [data-module='error-summary']").first
    expect(summary.get_by_role("link", name="Aktiveringskoden skal være 8 cifre.")).to_be_visible()
    expect(page.locator(".form-error-message")).to_contain_text(
        "Aktiveringskoden skal være 8 cifre."
    )
    axe_check(page)
    field = page.get_by_label("Aktiveringskode")
    expect(field).to_have_value(code[:7])
    type_into(page, field, code)  # Tab selects what the field holds; typing replaces it
    expect(field).to_have_value(code)
    press(page, page.get_by_role("button", name="Næste"))

    # G6.7 Kvittering.
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    expect(page.get_by_role("main")).to_contain_text("Privat MitID")
    axe_check(page)
    user.refresh_from_db()
    assert user.state == User.State.ACTIVE and user.uses_private_mitid
