"""The guide's first section as the demo owner, end to end: walks G1.1–G1.6 and G2.1–G2.7, and
ends with the setup email in the accountant's inbox (G3.1).

Hanne Vestergaard cleans up the practice's NemID list until the readiness report is green,
connects Lægehuset Vestergade I/S (choosing it from the list of her two organisations), accepts the
terms, appoints the accountant Jesper Lund and confirms. axe runs on every page visited.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from simulators import demo
from simulators.nemid.models import NemIDEmployee
from tests.browser.conftest import axe_check, broker_approve

pytestmark = pytest.mark.django_db(transaction=True)


def _fix(page, name, label):
    row = page.get_by_test_id("readiness").get_by_test_id("problem-row").filter(has_text=name).first
    row.get_by_role("link", name=label).click()


def _revoke(page, name):
    _fix(page, name, "Slet medarbejder")
    expect(page.get_by_role("heading", level=1)).to_have_text("Er du sikker?")
    page.get_by_role("button", name="Ja, slet medarbejderen").click()


def test_demo_owner_cleans_up_connects_and_appoints_the_accountant(context, page, mailbox_backend):
    call_command("seed_demo", verbosity=0)
    people = {p.key: p for p in demo.PEOPLE}

    # G1.1 Log på selvbetjening og ryd op i medarbejdere.
    page.goto("/")
    page.get_by_role("link", name="Log på selvbetjening og ryd op i medarbejdere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    axe_check(page)
    broker_approve(context, page, "hanne.vestergaard")
    page.get_by_role("link", name=re.compile("Lægehuset Vestergade")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Medarbejdere")
    summary = page.get_by_test_id("readiness-summary")
    expect(summary).to_contain_text("medarbejdere kræver handling")
    axe_check(page)

    # G1.3 an email; G1.4 a CPR link, and a CPR the register does not know.
    _fix(page, "Camilla Østergaard", "Tilføj e-mail")
    page.get_by_label("E-mail").fill("camilla.oestergaard@laegehuset-vestergade.dk")
    page.get_by_role("button", name="Gem e-mail").click()
    _fix(page, "Birthe Nørgaard", "Tilknyt CPR-nummer")
    axe_check(page)
    page.get_by_label("CPR-nummer").fill(people["birthe"].cpr)
    page.get_by_role("button", name="Gem CPR-nummer").click()
    _fix(page, "Jonas Dahl", "Ret CPR-nummer")
    page.get_by_label("CPR-nummer").fill(people["jonas"].cpr)
    page.get_by_role("button", name="Gem CPR-nummer").click()
    # G1.5 the name as on the health card.
    page.get_by_test_id("readiness").get_by_test_id("problem-row").filter(
        has_text="Kim Andersen"
    ).get_by_role("button", name="Brug navnet fra CPR-registret").click()
    # G1.6 no RID, and G1.2 the duplicate and the long unused signature: deleted.
    _revoke(page, "Rasmus Poulsen")
    _revoke(page, "Anne Mortensen")
    _revoke(page, "Bent Holm")
    expect(summary).to_contain_text("Alle medarbejdere er klar til MitID Erhverv")
    axe_check(page)
    assert NemIDEmployee.objects.filter(cvr=demo.PRACTICE_CVR, status="revoked").count() == 4

    # G2.1 Start tilslutning.
    page.goto("/nemlog-in/tilslut/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du skal tilslutte din organisation")
    axe_check(page)
    page.get_by_role("link", name="Start tilslutning").click()
    # G2.3 the list, since Hanne may act for two organisations.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vælg den organisation der skal tilsluttes"
    )
    axe_check(page)
    page.get_by_label(re.compile("Lægehuset Vestergade I/S")).check()
    page.get_by_role("button", name="Næste").first.click()
    # G2.4 Acceptér vilkår: not without the box.
    expect(page.get_by_role("heading", level=1)).to_have_text("Acceptér vilkår")
    page.get_by_role("button", name="Acceptér vilkår").click()
    expect(page.get_by_text("Du skal acceptere vilkårene for at fortsætte.").first).to_be_visible()
    axe_check(page)
    page.get_by_label("Jeg har læst og accepterer vilkårene for MitID Erhverv").check()
    page.get_by_role("button", name="Acceptér vilkår").click()
    # G2.5 Vælg en organisationsadministrator: the accountant.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vælg en organisationsadministrator")
    expect(page.get_by_text("tildele roller til administratorer.")).to_be_visible()
    steps = page.get_by_test_id("step-indicator")
    expect(steps.locator('[aria-current="step"]')).to_contain_text(
        "Vælg en organisationsadministrator"
    )
    expect(steps.get_by_role("link")).to_have_count(3)  # the steps done and this one
    # The other person's fields show only under "En anden person" (DKFDS conditional radios).
    expect(page.get_by_label("Mig selv", exact=True)).to_be_checked()
    expect(page.get_by_label("Fornavn(e)")).to_be_hidden()
    axe_check(page)
    page.get_by_role("link", name="Tilbage", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acceptér vilkår")
    expect(
        page.get_by_label("Jeg har læst og accepterer vilkårene for MitID Erhverv")
    ).to_be_checked()
    page.get_by_role("button", name="Acceptér vilkår").click()
    page.get_by_label("En anden person", exact=True).check()
    expect(page.get_by_label("Fornavn(e)")).to_be_visible()
    page.get_by_label("Mig selv", exact=True).check()
    expect(page.get_by_label("Fornavn(e)")).to_be_hidden()
    page.get_by_label("Både mig selv og en anden person").check()
    expect(page.get_by_label("Fornavn(e)")).to_be_visible()
    page.get_by_label("En anden person", exact=True).check()
    expect(page.get_by_label("Fornavn(e)")).to_be_visible()
    page.get_by_label("Din e-mail (til kvitteringen)").fill(
        "hanne.vestergaard@laegehuset-vestergade.dk"
    )
    page.get_by_label("Fornavn(e)").fill("Jesper")
    page.get_by_label("Efternavn").fill("Lund")
    page.get_by_label("E-mail", exact=True).fill("jesper.lund@lund-revision.dk")
    page.get_by_label("CPR-nummer").fill(people["accountant"].cpr)
    page.get_by_role("button", name="Næste").click()
    # G2.7 Bekræft og godkend tilslutning; "Ret" goes to the step and back to this summary.
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekræft og godkend tilslutning")
    axe_check(page)
    page.get_by_role("link", name="Ret Organisationsadministrator").click()
    expect(page.get_by_label("Fornavn(e)")).to_have_value("Jesper")
    page.get_by_label("E-mail", exact=True).fill("jesper@lund-revision.dk")
    page.get_by_role("button", name="Næste").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekræft og godkend tilslutning")
    expect(page.get_by_test_id("connection-summary")).to_contain_text("jesper@lund-revision.dk")
    # On a phone the steps fold into "Trin 4 af 4", which opens them.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("step-indicator")).to_be_hidden()
    page.get_by_role("button", name="Trin 4 af 4").click()
    dialog = page.get_by_role("dialog", name="Trin")
    expect(dialog.locator('[aria-current="step"]')).to_contain_text(
        "Bekræft og godkend tilslutning"
    )
    axe_check(page)
    dialog.get_by_role("button", name="Luk").click()
    expect(dialog).to_be_hidden()
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("button", name="Bekræft og godkend tilslutning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    expect(page.get_by_text("er nu tilsluttet MitID Erhverv")).to_be_visible()
    axe_check(page)

    # G3.1 the setup email is in the accountant's inbox in the simulated mailbox.
    page.goto("/simulator/postkasse/")
    axe_check(page)
    page.get_by_role("link", name="jesper@lund-revision.dk").first.click()
    axe_check(page)
    page.get_by_role(
        "link", name=re.compile("organisationsadministrator for Lægehuset")
    ).first.click()  # sent to the address as corrected with Ret
    expect(page.get_by_text(re.compile(r"/opsaetning/"))).to_have_count(1)
    axe_check(page)
