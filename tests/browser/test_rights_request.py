"""G8.1 and G8.3 in the browser: the organisation administrator appoints a rights administrator
on *Roller*; a user asks for a right; the rights administrator approves it on *Anmodninger*, and
the user finds the answer in the simulated mailbox. axe runs on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from mitid_portal import crypto
from organisations import services
from organisations.models import RightRequest, RoleGrant, UserRight
from simulators.mitid.models import Device
from tests.browser.conftest import axe_check, log_in
from tests.factories import (
    CompanyFactory,
    DeviceFactory,
    MitIDAccountFactory,
    OrganisationFactory,
    PersonFactory,
    RoleGrantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _person_with_user(organisation, username, first_name, last_name, email):
    """A person with a private MitID (app) and their user in the organisation, same CPR."""
    person = PersonFactory(first_name=first_name, last_name=last_name)
    account = MitIDAccountFactory(person=person, username=username)
    DeviceFactory(account=account, kind=Device.Kind.APP)
    return UserFactory(
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        email=email,
        cpr=person.cpr,
        cpr_hash=crypto.cpr_hash(person.cpr),
        birth_date=person.birth_date,
        uses_private_mitid=True,
    )


def test_admin_appoints_a_rights_administrator_who_approves_a_users_request(
    browser, live_server, context, page, mailbox_backend
):
    services.public_services_seed()
    organisation = OrganisationFactory(name="Lægehuset Vestergade I/S")
    admin = _person_with_user(organisation, "anne.admin", "Anne", "Admin", "anne@example.dk")
    RoleGrantFactory(user=admin, role=RoleGrant.Role.ORGANISATION_ADMIN)
    rikke = _person_with_user(organisation, "rikke.ret", "Rikke", "Rettig", "rikke@example.dk")
    ulla = _person_with_user(organisation, "ulla.bruger", "Ulla", "Brugersen", "ulla@example.dk")

    def new_page():
        other = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="da-DK")
        other.set_default_timeout(10_000)
        return other, other.new_page()

    # G8.1 the organisation administrator appoints Rikke rights administrator on Roller.
    log_in(context, page, "anne.admin", "/organisation/roller/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roller")
    axe_check(page)
    page.get_by_label("Rolle til Rikke Rettig").select_option(label="Rettighedsadministrator")
    page.get_by_role("button", name="Tildel rolle til Rikke Rettig").click()
    dialog = page.get_by_role(
        "dialog", name="Vil du tildele Rikke Rettig rollen Rettighedsadministrator?"
    )
    axe_check(page)
    dialog.get_by_role("button", name="Ja, tildel").click()
    expect(page.get_by_text("Rikke Rettig er nu rettighedsadministrator.")).to_be_visible()
    axe_check(page)
    assert RoleGrant.objects.filter(user=rikke, role="rights_admin").exists()

    # Ulla asks for a right to Tinglysning, from Min profil.
    ulla_context, ulla_page = new_page()
    log_in(ulla_context, ulla_page, "ulla.bruger", "/aktiver/min-profil/")
    expect(ulla_page.get_by_role("heading", level=1)).to_have_text("Min profil")
    axe_check(ulla_page)
    ulla_page.get_by_role("link", name="Anmod om en rettighed").click()
    expect(ulla_page.get_by_role("heading", level=1)).to_have_text("Anmod om rettighed")
    axe_check(ulla_page)
    ulla_page.get_by_label("Tjeneste").select_option(label="Tinglysning")
    ulla_page.get_by_label("Begrundelse (valgfri)").fill("Skøder for klinikken")
    ulla_page.get_by_role("button", name="Send anmodning").click()
    expect(ulla_page.get_by_text("Din anmodning er sendt")).to_be_visible()
    expect(ulla_page.get_by_role("cell", name="Afventer")).to_be_visible()
    axe_check(ulla_page)

    # G8.3 Rikke sees the request in her mailbox and on Anmodninger, and approves it.
    rikke_context, rikke_page = new_page()
    rikke_page.goto("/simulator/postkasse/rikke@example.dk/")
    expect(
        rikke_page.get_by_text(re.compile("Ulla Brugersen beder om en rettighed"))
    ).to_be_visible()
    axe_check(rikke_page)
    log_in(rikke_context, rikke_page, "rikke.ret", "/organisation/rettigheder/anmodninger/")
    expect(rikke_page.get_by_role("heading", level=1)).to_have_text("Anmodninger om rettigheder")
    axe_check(rikke_page)
    reply = rikke_page.get_by_label("Svar til Ulla Brugersen (valgfrit)")
    reply.fill("Velkommen til")
    # Enter in the reply decides nothing (the modal's "Ja, godkend" is not the form's default).
    reply.press("Enter")
    rikke_page.wait_for_timeout(500)
    expect(rikke_page.get_by_role("dialog")).to_be_hidden()
    assert RightRequest.objects.get().state == "requested"
    rikke_page.get_by_role("button", name="Godkend Tinglysning til Ulla Brugersen").click()
    rikke_page.get_by_role("dialog").get_by_role("button", name="Ja, godkend").click()
    expect(
        rikke_page.get_by_text("Anmodningen fra Ulla Brugersen om Tinglysning er godkendt.")
    ).to_be_visible()
    expect(rikke_page.get_by_text("Ingen anmodninger afventer behandling.")).to_be_visible()
    axe_check(rikke_page)
    rikke_page.get_by_role("link", name="Tilbage til rettigheder").click()
    expect(rikke_page.get_by_role("heading", level=1)).to_have_text("Rettigheder")
    axe_check(rikke_page)

    assert RightRequest.objects.get().state == "approved"
    assert UserRight.objects.filter(user=ulla, service__code="tinglysning").exists()

    # Ulla is told in her mailbox, and her page shows the right.
    ulla_page.goto("/simulator/postkasse/ulla@example.dk/")
    expect(ulla_page.get_by_text("Din anmodning om rettighed er godkendt")).to_be_visible()
    axe_check(ulla_page)
    ulla_page.goto("/organisation/rettigheder/anmod/")
    expect(ulla_page.get_by_role("listitem").filter(has_text="Tinglysning")).to_be_visible()
    expect(ulla_page.get_by_role("cell", name="Godkendt")).to_be_visible()
    axe_check(ulla_page)
    ulla_context.close()
    rikke_context.close()


def test_the_rights_groups_and_powers_pages_are_accessible(context, page):
    services.public_services_seed()
    organisation = OrganisationFactory(name="Lægehuset Vestergade I/S")
    admin = _person_with_user(organisation, "alle.roller", "Alma", "Alle", "alma@example.dk")
    for role in RoleGrant.Role.values:
        RoleGrantFactory(user=admin, role=role)
    _person_with_user(organisation, "bo.bruger", "Bo", "Bruger", "bo@example.dk")
    revisor = CompanyFactory(name="Revisorhuset ApS")

    log_in(context, page, "alle.roller", "/organisation/rettigheder/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rettigheder")
    axe_check(page)
    page.get_by_label("Søg på navn, e-mail eller RID-nummer").fill("Bo")
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("link", name="Bo Bruger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rettigheder for Bo Bruger")
    page.get_by_label("Tjeneste").select_option(label="eIndkomst")
    page.get_by_role("button", name="Tildel", exact=True).click()
    expect(page.get_by_text("Bo Bruger har fået rettigheden til eIndkomst.")).to_be_visible()
    axe_check(page)

    page.goto("/organisation/rettigheder/grupper/")
    page.get_by_label("Gruppens navn").fill("Klinikpersonale")
    page.get_by_role("button", name="Opret").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brugergruppe: Klinikpersonale")
    page.get_by_label("Tjeneste").select_option(label="FMK – Fælles Medicinkort")
    page.get_by_role("button", name="Tildel gruppen rettigheden").click()
    page.get_by_label("Søg på navn, e-mail eller RID-nummer").fill("Bo")
    page.get_by_role("button", name="Søg").click()
    page.get_by_role("button", name="Tilføj Bo Bruger").click()
    expect(page.get_by_role("cell", name="Bo Bruger", exact=True)).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Tilbage til brugergrupper").click()
    axe_check(page)

    page.goto("/organisation/fuldmagter/")
    axe_check(page)
    page.get_by_role("link", name="Opret fuldmagt").click()
    page.get_by_label("Modtagerens CVR-nummer").fill(organisation.cvr)
    page.get_by_label("TastSelv Erhverv (Skat)").check()
    page.get_by_role("button", name="Opret fuldmagt").click()
    # In the error summary and at the field.
    expect(page.locator("#id_cvr_error")).to_contain_text(
        "En fuldmagt kan ikke gives til eller fra"
    )
    axe_check(page)
    page.get_by_label("Modtagerens CVR-nummer").fill(revisor.cvr)
    page.get_by_role("button", name="Opret fuldmagt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fuldmagt til Revisorhuset ApS")
    axe_check(page)
    page.get_by_role("button", name="Tilbagekald fuldmagten").click()
    page.get_by_role("dialog").get_by_role("button", name="Ja, tilbagekald fuldmagten").click()
    expect(page.get_by_text("Fuldmagten er tilbagekaldt.")).to_be_visible()
    axe_check(page)
    page.goto("/organisation/fuldmagter/anmod/")
    axe_check(page)
    page.goto("/organisation/roller/")
    axe_check(page)
