"""Hosted (``SANDBOXES`` on): the guide walks in a fresh exercise as it does on a laptop.

A trainee starts an exercise with *Start en øvelse* and, in its copy of the demo world, plays the
owner who cleans up NemID and connects the practice (G1, G2), then the accountant who opens the
setup email from the exercise's mailbox, imports from NemID, sets up the organisation and
activates users in bulk (G3, G4). A colleague joins the exercise on a phone (390×844) and plays
the employee Lise Kristensen: her activation email in the exercise's mailbox, private MitID,
*Kvittering*, then *Log på* and *Min profil* (G6). A browser outside the exercise reaches none of
it. The laptop mode (the default sandbox) is walked by the other browser tests.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mitid_portal.sandbox import sandbox_scope
from organisations.models import Organisation
from simulators import demo
from simulators.mailbox.models import MailMessage
from simulators.nemid.models import NemIDEmployee
from tests.browser.conftest import axe_check, broker_approve
from tests.browser.hosted import PHONE, colleague_join, new_context
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = {p.key: p for p in demo.PEOPLE}
LINK_TOKEN = re.compile(r"/aktiver/link/([A-Za-z0-9_\-]{20,})/")
SETUP_LINK = re.compile(r"(/opsaetning/[^\s/]+/)")


def _h1(page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text, timeout=15_000)


def _next(page) -> None:
    page.get_by_role("button", name="Næste").first.click()


def _fix(page, name: str, label: str) -> None:
    rows = page.get_by_test_id("readiness").get_by_test_id("problem-row")
    rows.filter(has_text=name).first.get_by_role(label[0], name=label[1]).click()


def _owner_cleans_up_and_connects(context, page) -> None:
    """G1.1–G1.6, G2.1–G2.7 as Hanne Vestergaard; the accountant is appointed."""
    page.goto("/")
    page.get_by_role("link", name="Log på selvbetjening og ryd op i medarbejdere").click()
    broker_approve(context, page, PEOPLE["owner"].username)
    page.get_by_role("link", name=re.compile("Lægehuset Vestergade")).click()
    _h1(page, "Medarbejdere")
    _fix(page, "Camilla Østergaard", ("link", "Tilføj e-mail"))
    page.get_by_label("E-mail").fill("camilla.oestergaard@laegehuset-vestergade.dk")
    page.get_by_role("button", name="Gem e-mail").click()
    for key, label in (("birthe", "Tilknyt CPR-nummer"), ("jonas", "Ret CPR-nummer")):
        _fix(page, PEOPLE[key].full_name, ("link", label))
        page.get_by_label("CPR-nummer").fill(PEOPLE[key].cpr)
        page.get_by_role("button", name="Gem CPR-nummer").click()
    _fix(page, "Kim Andersen", ("button", "Brug navnet fra CPR-registret"))
    for name in ("Rasmus Poulsen", "Anne Mortensen", "Bent Holm"):
        _fix(page, name, ("link", "Slet medarbejder"))
        page.get_by_role("button", name="Ja, slet medarbejderen").click()
    expect(page.get_by_test_id("readiness-summary")).to_contain_text(
        "Alle medarbejdere er klar til MitID Erhverv"
    )

    page.goto("/nemlog-in/tilslut/")
    page.get_by_role("link", name="Start tilslutning").click()
    page.get_by_label(re.compile("Lægehuset Vestergade I/S")).check()
    _next(page)
    page.get_by_label("Jeg har læst og accepterer vilkårene for MitID Erhverv").check()
    page.get_by_role("button", name="Acceptér vilkår").click()
    accountant = PEOPLE["accountant"]
    page.get_by_label("En anden person", exact=True).check()
    page.get_by_label("Din e-mail (til kvitteringen)").fill(PEOPLE["owner"].email)
    page.get_by_label("Fornavn(e)").fill(accountant.first_name)
    page.get_by_label("Efternavn").fill(accountant.last_name)
    page.get_by_label("E-mail", exact=True).fill(accountant.email)
    page.get_by_label("CPR-nummer").fill(accountant.cpr)
    _next(page)
    page.get_by_role("button", name="Bekræft og godkend tilslutning").click()
    _h1(page, "Kvittering")
    page.get_by_role("button", name="Log af").click()


def _mail_open(page, email: str, subject: re.Pattern) -> str:
    """The newest matching email in the exercise's simulated mailbox; returns its body."""
    page.goto(reverse("mailbox:inbox", args=[email]))
    page.get_by_role("link", name=subject).first.click()
    body = page.get_by_test_id("mail-body")
    expect(body).to_be_visible()
    return body.inner_text()


def _accountant_sets_up_and_activates(context, page) -> None:
    """G3.1–G3.11 and G4.1–G4.5 as Jesper Lund: Lise Kristensen and Søren Bech activated."""
    accountant = PEOPLE["accountant"]
    body = _mail_open(
        page, accountant.email, re.compile("organisationsadministrator for Lægehuset")
    )
    page.goto(SETUP_LINK.search(body).group(1))
    page.get_by_role("link", name="Log ind med dit private MitID").click()
    broker_approve(context, page, accountant.username)
    page.get_by_role("button", name="Fortsæt", exact=True).click()
    page.get_by_role("link", name="Start opsætningen").click()
    page.get_by_role("link", name="Start import fra NemID", exact=True).click()
    page.get_by_role("main").get_by_role("button", name="Start import").click()
    expect(page.get_by_text("Importen er gennemført")).to_be_visible(timeout=15_000)
    page.goto("/organisation/opsaetning/import/")
    for _step in range(4):  # the import, its overview, the means, the private MitID policy
        _next(page)
    page.get_by_label("Faktura på e-mail").check()
    page.get_by_label("E-mail til faktura").fill("faktura@laegehuset-vestergade.dk")
    _next(page)
    page.get_by_role("button", name="Gennemfør opsætningen").click()
    _h1(page, "Opsætningen af organisationen i MitID Erhverv er nu gennemført.")

    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Importerede brugere"
    ).click()
    for key in ("lise", "soeren"):
        page.get_by_label(f"Markér {PEOPLE[key].full_name}").check()
    page.get_by_role("button", name="Aktivér brugere").click()
    _h1(page, "Vælg identifikationsmidler")
    page.get_by_label("Privat MitID").check()
    _next(page)
    page.get_by_role("button", name="Aktivér brugere").click()
    expect(page.get_by_test_id("receipt-count")).to_have_text(
        "Aktiveringen er startet for 2 brugere."
    )


def _employee_activates_and_logs_in(phone) -> None:
    """G6.1–G6.7 on the phone as Lise Kristensen, then *Min profil*."""
    lise = PEOPLE["lise"]
    page = phone.new_page()
    body = _mail_open(page, lise.email, re.compile("Aktivér din bruger"))
    axe_check(page)
    page.goto(reverse("employee:link", args=[LINK_TOKEN.search(body).group(1)]))
    _h1(page, "Aktivér din bruger")
    page.get_by_role("link", name="Aktivér bruger").click()
    _h1(page, "Log ind med dit private MitID")
    _next(page)
    broker_approve(phone, page, lise.username)
    _h1(page, "Vil du bruge dit private MitID")
    page.get_by_label("Ja, jeg vil bruge mit private MitID").check()
    _next(page)
    _h1(page, "Kvittering")
    expect(page.get_by_role("main")).to_contain_text("Lægehuset Vestergade I/S")
    axe_check(page)

    page.goto(f"{reverse('login:start')}?next={reverse('employee:profile')}")
    broker_approve(phone, page, lise.username)
    _h1(page, "Min profil")
    expect(page.get_by_role("main")).to_contain_text(lise.full_name)
    axe_check(page)


def test_the_guide_walks_in_a_fresh_exercise(browser, live_server, exercise, context, page):
    sandbox = exercise
    # The colleague joins on a phone through the link *Din øvelse* shows right after the start.
    phone = colleague_join(browser, live_server, page, viewport=PHONE, is_mobile=True)
    try:
        _owner_cleans_up_and_connects(context, page)
        _accountant_sets_up_and_activates(context, page)
        _employee_activates_and_logs_in(phone)
    finally:
        phone.close()

    # Everything happened in the exercise; the default sandbox has none of it.
    with sandbox_scope(sandbox.pk):
        practice = Organisation.objects.get(cvr=demo.PRACTICE_CVR)
        lise = User.objects.get(organisation=practice, first_name="Lise")
        assert lise.state == User.State.ACTIVE and lise.uses_private_mitid
        assert NemIDEmployee.objects.filter(cvr=demo.PRACTICE_CVR, status="revoked").count() == 4
        assert MailMessage.objects.filter(to__contains=PEOPLE["lise"].email).exists()
    assert not Organisation.objects.filter(cvr=demo.PRACTICE_CVR).exclude(sandbox=sandbox).exists()

    # A browser outside the exercise: no simulated app, and the portal sends it to /oevelse/.
    stranger = new_context(browser, live_server)
    try:
        outsider = stranger.new_page()
        response = outsider.goto(f"/simulator/mitid/app/{PEOPLE['lise'].username}/")
        assert response is not None and response.status == 404
        expect(outsider.get_by_text("Du har godkendt login.")).to_have_count(0)
        outsider.goto("/")
        expect(outsider).to_have_url(re.compile(r"/oevelse/$"))
        _h1(outsider, "Start en øvelse")
    finally:
        stranger.close()


def test_the_exercise_pages_reset_leave_and_a_dead_link(exercise, context, page):
    sandbox = exercise
    with sandbox_scope(sandbox.pk):
        NemIDEmployee.objects.filter(first_name="Bent").update(status="revoked")

    page.goto("/oevelse/")
    _h1(page, "Din øvelse")
    page.get_by_role("link", name="Nulstil øvelsen").click()
    _h1(page, "Nulstil øvelsen")
    axe_check(page)
    page.get_by_role("main").get_by_role("button", name="Nulstil øvelsen").click()
    expect(page.get_by_text("Øvelsen er nulstillet.")).to_be_visible()
    axe_check(page)
    with sandbox_scope(sandbox.pk):
        assert NemIDEmployee.objects.get(first_name="Bent").status == "active"

    page.goto("/oevelse/")
    page.get_by_role("button", name="Forlad øvelsen").click()
    _h1(page, "Start en øvelse")
    expect(page.get_by_text("Du har forladt øvelsen.")).to_be_visible()
    axe_check(page)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/oevelse/$"))

    response = page.goto("/oevelse/deltag/" + "x" * 43 + "/")
    assert response is not None and response.status == 404
    _h1(page, "Invitationslinket virker ikke")
    axe_check(page)


def test_on_a_laptop_the_exercise_page_says_there_is_one(settings, page, live_server):
    settings.SANDBOXES = False
    page.goto("/oevelse/")
    _h1(page, "Øvelsen")
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Til forsiden").click()
    _h1(page, "Velkommen til MitID Erhverv")
