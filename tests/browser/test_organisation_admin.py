"""The guide's "Organisationsadministrator" section and both activation sections on the demo
practice: walks G3.1–G3.12, G4.1–G4.7 and G5.1–G5.7.

The owner has connected Lægehuset Vestergade I/S and appointed the accountant Jesper Lund. He
opens the link in his email, logs in with private MitID, imports from NemID, sets up the
organisation, marks his preferred means with the star, activates users in bulk and a birth-date
user singly with the temporary code. axe runs on every page visited.
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from activation.models import Invitation
from organisations.models import Organisation
from simulators import demo
from tests.browser.conftest import axe_check, broker_approve
from tests.helpers import demo_accountant_appoint
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _next(page):
    page.get_by_role("button", name="Næste").click()


def test_accountant_sets_up_the_practice_and_activates_its_users(context, page):
    call_command("seed_demo", verbosity=0)
    people = {p.key: p for p in demo.PEOPLE}
    accountant = people["accountant"]
    demo_accountant_appoint(cvr=demo.PRACTICE_CVR, email=accountant.email)
    setup_mail = next(m for m in mail.outbox if m.to == [accountant.email])
    link = re.search(r"http://127\.0\.0\.1:8000(/opsaetning/\S+/)", setup_mail.body).group(1)

    # G3.1–G3.4 the link in the email, then Log ind med dit private MitID.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Opsætning af organisationen i MitID Erhverv"
    )
    axe_check(page)
    page.get_by_role("link", name="Log ind med dit private MitID").click()
    broker_approve(context, page, accountant.username)
    expect(
        page.get_by_text("Du er logget ind med dit private MitID som Jesper Lund.")
    ).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Fortsæt", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Opsætning af organisationen i MitID Erhverv"
    )
    expect(page.get_by_test_id("signed-in")).to_contain_text("Lægehuset Vestergade I/S")
    axe_check(page)

    # G3.5–G3.6 Start import (fra NemID); Søren Bech comes across as user administrator.
    page.get_by_role("link", name="Start opsætningen").click()
    expect(page.get_by_test_id("step-indicator").locator('[aria-current="step"]')).to_contain_text(
        "Start import fra NemID"
    )
    axe_check(page)
    # The import is the primary button; there is no Næste before an import.
    expect(page.get_by_role("button", name="Næste")).to_have_count(0)
    page.get_by_role("link", name="Start import fra NemID", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start import")
    axe_check(page)
    page.get_by_role("main").get_by_role("button", name="Start import").click()
    expect(page.get_by_text(re.compile("Gennemført|importeret", re.I)).first).to_be_visible(
        timeout=15_000
    )
    axe_check(page)
    organisation = Organisation.objects.get(cvr=demo.PRACTICE_CVR)
    imported = User.objects.filter(organisation=organisation, state=User.State.IMPORTED)
    assert imported.exists()

    # The task list tells the import done, and goes on after it.
    page.goto("/organisation/opsaetning/")
    expect(page.get_by_test_id("task-import")).to_contain_text("Udført")
    expect(page.get_by_test_id("task-import")).not_to_contain_text("Mangler")
    page.get_by_role("link", name="Fortsæt hvor du slap").click()
    page.get_by_role("link", name="Tilbage", exact=True).click()
    expect(page.get_by_test_id("import-state")).to_contain_text("Importen fra NemID er gennemført.")

    # G3.7–G3.11 the rest of the setup.
    _next(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Oversigt over importerede medarbejdere/brugere"
    )
    axe_check(page)
    _next(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vælg hvordan brugerne skal logge ind"
    )
    expect(page.get_by_label("MitID app")).to_be_checked()
    page.get_by_label("MitID kodeviser").check()
    axe_check(page)
    _next(page)
    expect(
        page.get_by_text("Husk at vinge tilladelse til delt identifikationsmiddel af.")
    ).to_be_visible()
    page.get_by_label(re.compile("^Ja – brugerne må vælge")).check()
    axe_check(page)
    _next(page)
    expect(page.get_by_text("de første 3 brugere er gratis", exact=False)).to_be_visible()
    # EAN is asked only under EAN invoicing (DKFDS conditional radios).
    page.get_by_label("Elektronisk faktura (EAN)").check()
    expect(page.get_by_label("EAN-nummer")).to_be_visible()
    expect(page.get_by_label("E-mail til faktura")).to_be_hidden()
    page.get_by_label("Faktura på e-mail").check()
    expect(page.get_by_label("EAN-nummer")).to_be_hidden()
    page.get_by_label("E-mail til faktura").fill("faktura@laegehuset-vestergade.dk")
    axe_check(page)
    _next(page)
    axe_check(page)
    # Ret on the summary: to the step, and back to the summary.
    page.get_by_role("link", name="Ret Kontaktperson").click()
    page.get_by_label("Kontaktpersonens telefonnummer (valgfrit)").fill("22 33 44 55")
    page.get_by_role("button", name="Gem og gå til opsummering").click()
    expect(page.get_by_test_id("setup-summary")).to_contain_text("+4522334455")
    page.get_by_role("button", name="Gennemfør opsætningen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Opsætningen af organisationen i MitID Erhverv er nu gennemført."
    )
    axe_check(page)

    # G3.12 Indstillinger: the star on the preferred means.
    page.get_by_role("main").get_by_role("link", name="Indstillinger").click()
    page.get_by_label("MitID kodeviser er foretrukket").check()
    axe_check(page)
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Indstillingerne er gemt.")).to_be_visible()
    organisation.refresh_from_db()
    assert organisation.preferred_means == "kodeviser"

    # G4.1–G4.7 bulk: mark two users, Aktivér brugere → Vælg identifikationsmidler → Næste →
    # Bekræft og start aktivering af brugere → Aktivér brugere → Kvittering → Afslut.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Importerede brugere"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importerede brugere")
    axe_check(page)
    for name in ("Lise Kristensen", "Søren Bech"):
        page.get_by_label(f"Markér {name}").check()
    page.get_by_role("button", name="Aktivér brugere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vælg identifikationsmidler")
    expect(page.get_by_label("MitID kodeviser")).to_be_checked()  # the preferred one
    axe_check(page)
    _next(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bekræft og start aktivering af brugere"
    )
    axe_check(page)
    page.get_by_role("button", name="Aktivér brugere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kvittering")
    axe_check(page)
    page.get_by_role("button", name="Afslut").or_(page.get_by_role("link", name="Afslut")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importerede brugere")
    expect(page.get_by_role("main")).not_to_contain_text("Lise Kristensen")
    lise = User.objects.get(organisation=organisation, first_name="Lise")
    assert lise.state == User.State.AWAITING
    assert any(m.to == [lise.email] and "/aktiver/link/" in m.body for m in mail.outbox)

    # G5.1–G5.7 single: Birthe Nørgaard has only a birth date, so she needs the code.
    page.get_by_role("main").get_by_role("link", name="Birthe Nørgaard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brugerinformation")
    expect(page.get_by_role("main")).to_contain_text("Birthe Nørgaard")
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Aktivér").click()
    axe_check(page)
    page.get_by_role("button", name="Aktivér").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Brugeren er oprettet og skal aktiveres med midlertidig aktiveringskode"
    )
    axe_check(page)
    page.get_by_role("button", name="Vis").click()
    code = page.locator(".code-display").first
    expect(code).to_have_text(re.compile(r"^\s*\d{4}\s?\d{4}\s*$"))
    expect(page.get_by_text("Husk at gemme den midlertidige aktiveringskode")).to_be_visible()
    axe_check(page)
    birthe = User.objects.get(organisation=organisation, first_name="Birthe")
    invitation = Invitation.objects.get(user=birthe, state=Invitation.State.LIVE)
    digits = re.sub(r"\D", "", code.inner_text())
    assert digits not in invitation.code_hash and len(invitation.code_hash) == 64
