"""The organisation administrator imports from NemID: walks G3.4–G3.7 (and G4.1's list).

Log in with private MitID, *Start import* with a NemID administrator brought across as
brugeradministrator, the report at the end, then *Importerede brugere*. axe on every page.
"""

import re

import pytest
from playwright.sync_api import expect

from organisations.models import RoleGrant
from simulators.mitid.models import Device
from simulators.nemid.models import NemIDEmployee, NemIDRight
from tests.browser.conftest import axe_check
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    NemIDEmployeeFactory,
    OrganisationFactory,
    PersonFactory,
    RoleGrantFactory,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_organisation_administrator_imports_from_nemid(context, page):
    organisation = OrganisationFactory(name="Lægehuset Browser I/S")
    person = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    DeviceFactory(
        account=MitIDAccountFactory(person=person, username="hanne.import"), kind=Device.Kind.APP
    )
    RoleGrantFactory(
        user__organisation=organisation,
        user__first_name=person.first_name,
        user__last_name=person.last_name,
        user__cpr=person.cpr,
        user__cpr_hash=person.cpr_hash,
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    )
    soeren = NemIDEmployeeFactory(
        cvr=organisation.cvr, first_name="Søren", last_name="Bech", is_nemid_admin=True
    )
    NemIDRight.objects.create(employee=soeren, service_code="fmk", service_name="FMK")
    NemIDEmployeeFactory(cvr=organisation.cvr, first_name="Lise", last_name="Kristensen")
    NemIDEmployeeFactory(
        cvr=organisation.cvr,
        first_name="Bent",
        last_name="Holm",
        status=NemIDEmployee.Status.REVOKED,
    )

    page.goto("/brugere/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    page.get_by_label("Bruger-ID").fill("hanne.import")
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt").click()
    phone = context.new_page()
    phone.goto("/simulator/mitid/app/hanne.import/")
    phone.get_by_role("button", name="Godkend").click()

    expect(page).to_have_url(re.compile(r"/brugere/import/$"), timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Start import")
    expect(page.get_by_text("roller og rettigheder overføres sammen med brugerne")).to_be_visible()
    axe_check(page)

    page.get_by_label(re.compile("Søren Bech")).select_option("user_admin")
    page.get_by_role("main").get_by_role("button", name="Start import").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import fra NemID")
    expect(page.get_by_text("Importen er gennemført")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("2 importeret, 1 sprunget over, 0 markeret")).to_be_visible()
    expect(page.get_by_role("cell", name="Bent Holm")).to_be_visible()
    axe_check(page)

    page.get_by_role("main").get_by_role("link", name="Importerede brugere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importerede brugere")
    expect(page.get_by_role("link", name="Søren Bech")).to_be_visible()
    expect(page.get_by_role("link", name="Lise Kristensen")).to_be_visible()
    axe_check(page)

    # The box above the list marks every user on the page (static JS, no inline script).
    page.get_by_label("Markér alle brugere på siden").check()
    for box in page.locator('input[name="user"]').all():
        expect(box).to_be_checked()
    expect(page.get_by_role("button", name="Aktivér brugere")).to_be_visible()

    page.get_by_role("link", name="Søren Bech").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brugerinformation")
    expect(page.get_by_text("Brugeradministrator")).to_be_visible()
    axe_check(page)

    assert User.objects.filter(organisation=organisation, state=User.State.IMPORTED).count() == 2
