"""The owner cleans up NemID medarbejdersignatur before MitID Erhverv: walks G1.1–G1.6.

G1.1 log in to the self-service with private MitID; G1.2 delete (revoke) those who no longer
work for the practice, a duplicate signature and one without RID (G1.6); G1.3 add a missing email;
G1.4 link a CPR number to an employee with only a birth date; G1.5 take the name from the CPR
register – until the readiness report turns green. axe on every page visited.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from simulators.mitid.models import Device
from simulators.nemid.models import NemIDEmployee
from simulators.registers.models import Company
from tests.browser.conftest import axe_check
from tests.factories import (
    DeviceFactory,
    MitIDAccountFactory,
    NemIDEmployeeFactory,
    PersonFactory,
    RepresentativeFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

CVR = "29876543"  # a made-up CVR; the simulated register holds it


def _employee(person=None, **kwargs) -> NemIDEmployee:
    person = person or PersonFactory()
    defaults = {
        "cvr": CVR,
        "cpr": person.cpr,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date,
        "last_used_at": timezone.now() - datetime.timedelta(days=20),
    }
    return NemIDEmployeeFactory(**{**defaults, **kwargs})


@pytest.fixture
def practice():
    company = Company.objects.create(cvr=CVR, name="Tandlægerne Vestergaard ApS")
    owner = PersonFactory(first_name="Hanne", last_name="Vestergaard")
    RepresentativeFactory(company=company, person=owner)
    DeviceFactory(
        account=MitIDAccountFactory(person=owner, username="hanne.ejer"), kind=Device.Kind.APP
    )
    bo = PersonFactory(first_name="Bo", last_name="Berg", birth_date=datetime.date(1971, 5, 3))
    twin = PersonFactory(first_name="Søren", last_name="Dobbelt")
    _employee(PersonFactory(first_name="Lise", last_name="Klar"))
    _employee(PersonFactory(first_name="Mette", last_name="Lund"), email="")
    _employee(bo, cpr="", birth_date=bo.birth_date)
    _employee(
        PersonFactory(first_name="Karen Margrethe", last_name="Kjær"),
        first_name="Karen",
        last_name="Kjaer",
    )
    _employee(PersonFactory(first_name="Ib", last_name="Udenrid"), rid="")
    _employee(twin)
    _employee(twin)
    _employee(
        PersonFactory(first_name="Gunnar", last_name="Gammel"),
        last_used_at=timezone.now() - datetime.timedelta(days=500),
    )
    return {"bo": bo}


def _problem_row(page, name):
    return page.get_by_test_id("readiness").get_by_test_id("problem-row").filter(has_text=name)


def test_owner_cleans_up_until_all_employees_are_ready(context, page, practice):
    # G1.1 – "Log på selvbetjening": the self-service sends an anonymous visitor to MitID.
    page.goto("/simulator/nemid/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    axe_check(page)
    page.get_by_label("Bruger-ID").fill("hanne.ejer")
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkend i MitID app")

    phone = context.new_page()
    phone.goto("/simulator/mitid/app/hanne.ejer/")
    phone.get_by_role("button", name="Godkend").click()
    expect(phone.get_by_text("Du har godkendt login.")).to_be_visible()

    # One company represented: straight to its employees, with the report on top.
    expect(page).to_have_url(re.compile(rf"/simulator/nemid/{CVR}/$"), timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Medarbejdere")
    summary = page.get_by_test_id("readiness-summary")
    expect(summary).to_contain_text("7 af 8 medarbejdere kræver handling")
    expect(page.get_by_text("tjek at alle har tilknyttet en mailadresse")).to_be_visible()
    axe_check(page)

    # G1.3 – a missing email; a malformed one first is refused and kept.
    _problem_row(page, "Mette Lund").get_by_role("link", name="Tilføj e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ret e-mail")
    axe_check(page)
    page.get_by_label("E-mail").fill("mette@")
    page.get_by_role("button", name="Gem e-mail").click()
    # The error summary links to the field, and the field says it too.
    expect(page.locator('[data-testid="error-summary"] a[href="#id_email"]')).to_contain_text(
        "Indtast en gyldig e-mailadresse"
    )
    expect(page.locator("#id_email_error")).to_contain_text("Indtast en gyldig e-mailadresse")
    expect(page.get_by_label("E-mail")).to_have_value("mette@")
    axe_check(page)
    page.get_by_label("E-mail").fill("mette.lund@tandlaegerne.dk")
    page.get_by_role("button", name="Gem e-mail").click()
    expect(summary).to_contain_text("6 af 8 medarbejdere kræver handling")

    # G1.4 – only a birth date: link the CPR number from the health card.
    _problem_row(page, "Bo Berg").get_by_role("link", name="Tilknyt CPR-nummer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilknyt CPR-nummer")
    axe_check(page)
    page.get_by_label("CPR-nummer").fill("0305711")
    page.get_by_role("button", name="Gem CPR-nummer").click()
    expect(page.locator("#id_cpr_error")).to_contain_text("Et CPR-nummer består af 10 cifre")
    axe_check(page)
    cpr = practice["bo"].cpr
    page.get_by_label("CPR-nummer").fill(f"{cpr[:6]}-{cpr[6:]}")
    page.get_by_role("button", name="Gem CPR-nummer").click()
    expect(summary).to_contain_text("5 af 8 medarbejdere kræver handling")
    expect(page.get_by_test_id("employees")).to_contain_text(f"{cpr[:6]}-****")

    # G1.5 – the name as on the health card, in one click.
    row = _problem_row(page, "Karen Kjaer")
    expect(row).to_contain_text(
        "Navnet afviger fra CPR-registret (sundhedskortet): Karen Margrethe Kjær"
    )
    row.get_by_role("button", name="Brug navnet fra CPR-registret").click()
    expect(summary).to_contain_text("4 af 8 medarbejdere kræver handling")
    expect(page.get_by_test_id("employees")).to_contain_text("Karen Margrethe Kjær")

    # G1.6 – no RID: cannot be added here, so the signature is deleted ("Er du sikker?").
    row = _problem_row(page, "Ib Udenrid")
    expect(row).to_contain_text("Mangler RID-nummer")
    row.get_by_role("link", name="Slet medarbejder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Er du sikker?")
    axe_check(page)
    page.get_by_role("button", name="Ja, slet medarbejderen").click()
    expect(summary).to_contain_text("3 af 7 medarbejdere kræver handling")

    # G1.2 – the same person twice, and someone not seen for over a year.
    row = _problem_row(page, "Søren Dobbelt").first
    expect(row).to_contain_text("Samme person har flere medarbejdersignaturer")
    row.get_by_role("link", name="Slet medarbejder").click()
    page.get_by_role("button", name="Ja, slet medarbejderen").click()
    expect(summary).to_contain_text("1 af 6 medarbejdere kræver handling")
    row = _problem_row(page, "Gunnar Gammel")
    expect(row).to_contain_text("Ikke brugt i over et år")
    row.get_by_role("link", name="Slet medarbejder").click()
    page.get_by_role("button", name="Ja, slet medarbejderen").click()

    # All clean: the green state.
    green = page.get_by_test_id("readiness-summary")
    expect(green).to_contain_text("Alle medarbejdere er klar til MitID Erhverv")
    expect(green).to_have_class(re.compile(r"\balert-success\b"))
    axe_check(page)

    # Every change is kept: the employee page shows the history.
    page.get_by_test_id("employees").get_by_role("link", name="Karen Margrethe Kjær").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Karen Margrethe Kjær")
    expect(page.get_by_text("Karen Kjaer", exact=True)).to_be_visible()
    axe_check(page)
    assert NemIDEmployee.objects.filter(cvr=CVR, status="revoked").count() == 3
