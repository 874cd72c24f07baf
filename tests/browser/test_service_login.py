"""An employee of Lægehuset Vestergade logs in to "FMK – øvelse" with MitID Erhverv (her private
MitID, approved in the simulated app) and sees who the service was told she is: her organisation,
the level of assurance and her FMK right; then logs out at the broker too. axe runs on every
page visited."""

import re

import pytest
from playwright.sync_api import expect

from mitid_portal import crypto
from organisations.models import PublicService, UserRight
from simulators import demo
from tests.browser.conftest import axe_check, broker_approve
from tests.factories import OrganisationFactory, UserFactory
from tests.simulators.public_services import demo_world_with_services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def anne(settings, live_server):
    """Anne Mortensen of the demo world, an active user of the practice who uses her private
    MitID at work and holds the FMK right."""
    settings.PORTAL_BASE_URL = live_server.url
    demo_world_with_services()
    practice = OrganisationFactory(
        cvr=demo.PRACTICE_CVR, name="Lægehuset Vestergade I/S", allow_private_mitid=True
    )
    person = next(person for person in demo.PEOPLE if person.key == "anne")
    user = UserFactory(
        organisation=practice,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        cpr=person.cpr,
        cpr_hash=crypto.cpr_hash(person.cpr),
        birth_date=person.birth_date,
        rid="38416211",
        uses_private_mitid=True,
    )
    UserRight.objects.create(user=user, service=PublicService.objects.get(code="fmk"))
    return user


def test_an_employee_logs_in_to_fmk_and_sees_her_rights(anne, context, page):
    page.goto("/simulator/tjenester/")
    axe_check(page)
    page.get_by_role("link", name="FMK – øvelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("FMK – øvelse")
    axe_check(page)

    page.get_by_role("button", name="Log på med MitID Erhverv").click()
    # The broker: not logged in yet, so it asks how.
    expect(page.get_by_role("heading", level=1)).to_have_text("Log på med MitID Erhverv")
    expect(page.get_by_test_id("broker-service")).to_contain_text("FMK – øvelse")
    axe_check(page)
    page.get_by_test_id("broker-login-private").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    axe_check(page)
    broker_approve(context, page, "anne.mortensen")

    # Back at the service, which shows what it was told.
    expect(page).to_have_url(re.compile(r"/simulator/tjenester/fmk/min-side/$"), timeout=15_000)
    expect(page.get_by_test_id("service-welcome")).to_have_text(
        "Du er logget på som Anne Mortensen."
    )
    login = page.get_by_test_id("service-login")
    expect(login).to_contain_text("Lægehuset Vestergade I/S")
    expect(login).to_contain_text(demo.PRACTICE_CVR)
    expect(login).to_contain_text("Substantial")
    expect(login).to_contain_text("38416211")
    expect(page.get_by_test_id("service-privileges")).to_have_text(
        "FMK – Fælles Medicinkort: urn:dk:mitid-erhverv:privilege:fmk"
    )
    axe_check(page)

    page.get_by_role("button", name="Log af tjenesten").click()
    expect(page.get_by_test_id("service-logged-out")).to_have_text("Du er logget af FMK – øvelse.")
    axe_check(page)
    page.goto("/simulator/tjenester/fmk/min-side/")
    expect(page.get_by_role("button", name="Log på med MitID Erhverv")).to_be_visible()
