"""The organisation administrator activates imported users in bulk: walks G4.1–G4.7, then shows
a birth-date user's temporary activation code once (G5.7) from *Afventer aktivering*.

Every control is reached and used from the keyboard (focus, Space, Enter); axe runs on every
page visited. The selection starts on the real *Importerede brugere* list when users/ provides
it; otherwise the test posts the list's form contract (``user`` ids) itself.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from activation.models import Invitation
from mitid_portal import crypto
from organisations.models import RoleGrant
from simulators.mitid.models import Device
from tests.activation.factories import (
    BirthDateUserFactory,
    ImportedUserFactory,
    SetUpOrganisationFactory,
)
from tests.browser.conftest import axe_check, log_in
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _press(page, locator, key: str = "Enter") -> None:
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press(key)


def test_the_administrator_activates_imported_users_in_bulk(context, page):
    organisation = SetUpOrganisationFactory(
        name="Lægehuset Vestergade I/S",
        allowed_means=["app", "kodeviser", "chip"],
        preferred_means="app",
        allow_private_mitid=False,
    )
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    account = MitIDAccountFactory(person=person, username="hanne.vestergaard")
    DeviceFactory(account=account, kind=Device.Kind.APP)
    admin = UserFactory(
        organisation=organisation,
        first_name=person.first_name,
        last_name=person.last_name,
        cpr=person.cpr,
        cpr_hash=crypto.cpr_hash(person.cpr),
    )
    RoleGrantFactory(user=admin, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN)
    users = ImportedUserFactory.create_batch(2, organisation=organisation)
    birth_date_user = BirthDateUserFactory(
        organisation=organisation, first_name="Ole", last_name="Fødselsdato"
    )
    users.append(birth_date_user)

    log_in(context, page, "hanne.vestergaard", reverse("activation:pending"))

    # G4.1 Markér alle brugere on *Importerede brugere* – G4.2 Aktivér brugere.
    response = page.goto(reverse("users:imported"))
    assert response.ok
    axe_check(page)
    for box in page.locator("input[type=checkbox][name=user]").all():
        _press(page, box, "Space")
        expect(box).to_be_checked()
    _press(page, page.get_by_role("button", name="Aktivér brugere"))

    # G4.3 Vælg identifikationsmidler → Næste.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vælg identifikationsmidler")
    expect(page.get_by_text("Du har markeret 3 brugere til aktivering.")).to_be_visible()
    axe_check(page)
    app = page.get_by_label("MitID app")
    expect(app).to_be_checked()
    expect(page.get_by_label("MitID kodeoplæser")).to_have_count(0)
    expect(page.get_by_label("Privat MitID")).to_have_count(0)
    kodeviser = page.get_by_label("MitID kodeviser")
    _press(page, kodeviser, "Space")
    expect(kodeviser).to_be_checked()
    _press(page, page.get_by_role("button", name="Næste"))

    # G4.4 Bekræft og start aktivering af brugere → Aktivér brugere.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bekræft og start aktivering af brugere"
    )
    expect(page.get_by_test_id("count")).to_have_text("3")
    expect(page.get_by_text("MitID app, MitID kodeviser")).to_be_visible()
    axe_check(page)
    _press(page, page.get_by_role("button", name="Aktivér brugere"))

    # G4.5 Kvittering → Afslut; every user gets an email with an activation link.
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    expect(page.get_by_test_id("receipt-count")).to_have_text(
        "Aktiveringen er startet for 3 brugere."
    )
    axe_check(page)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert all("/aktiver/link/" in m.body for m in mail.outbox)
    assert set(
        User.objects.filter(pk__in=[u.pk for u in users]).values_list("state", flat=True)
    ) == {"awaiting"}
    _press(page, page.get_by_role("button", name="Afslut"))

    # G4.6 the activated users are gone from the list; G4.7 the menu item is gone.
    expect(page).to_have_url(re.compile(re.escape(reverse("users:imported")) + "$"))
    for user in users:
        expect(page.get_by_role("main").get_by_text(user.full_name)).to_have_count(0)
    axe_check(page)
    menu = page.get_by_role("navigation", name="Administration")
    expect(menu.get_by_role("link", name="Importerede brugere")).to_have_count(0)
    expect(menu.get_by_role("link", name="Afventer aktivering")).to_be_visible()

    # *Afventer aktivering*: the birth-date user's code is shown once with *Vis* (G5.7).
    _press(page, menu.get_by_role("link", name="Afventer aktivering"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Afventer aktivering")
    for user in users:
        expect(page.get_by_role("link", name=user.full_name)).to_be_visible()
    axe_check(page)
    _press(page, page.get_by_role("link", name=birth_date_user.full_name))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Brugeren er oprettet og skal aktiveres med midlertidig aktiveringskode"
    )
    axe_check(page)
    _press(page, page.get_by_role("button", name="Vis"))
    code = page.get_by_test_id("activation-code")
    expect(code).to_have_text(re.compile(r"^\d{8}$"))
    expect(page.get_by_text("Husk at gemme den midlertidige aktiveringskode")).to_be_visible()
    axe_check(page)
    invitation = Invitation.objects.get(user=birth_date_user, state="live")
    assert crypto.hashes_match(code.inner_text(), invitation.code_hash, purpose="activation-code")

    page.go_back()
    page.reload()
    expect(page.get_by_role("button", name="Vis")).to_have_count(0)
    expect(page.get_by_role("button", name="Ny kode")).to_be_visible()
