"""The page frame on a phone (390×844) and a desktop (1280×800), the DKFDS way (issue 13): on a
phone the header's *Menu* button opens DKFDS's mobile drawer with the main menu, the
administrators' side menu, the signed-in user, *Log af* (or *Log på*) and the language switch,
and no page is wider than the screen; on a desktop the side menu is beside the content and a wide
table's important last column (Masseopret's *Kontrol*, Revisionslog's *IP-adresse*) is on
screen. Every page visited is checked with axe-core.

Guide steps: G3.3 (Log på via the menu), G4.7 (the left menu, venstremenuen), G7.8 (Min profil)."""

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from simulators import demo
from tests.browser.conftest import axe_check, log_in
from tests.factories import UserFactory, fictitious_cpr
from tests.helpers import demo_practice_connect
from users.services.import_nemid import users_import_from_nemid

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def patient(context):
    """The machine runs many suites at once: pages may take longer than the default 10 s."""
    context.set_default_timeout(30_000)


@pytest.fixture
def practice(mailbox_backend):
    """The demo practice, connected by its owner (its organisation administrator), with the
    NemID import run, so the admin lists have rows."""
    owner = next(person for person in demo.PEOPLE if person.key == "owner")
    practice = demo_practice_connect()
    users_import_from_nemid(organisation=practice, started_by_name=owner.full_name)
    practice.owner_username = owner.username
    return practice


def _no_horizontal_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def _drawer_open(page):
    """The header's *Menu* button opens DKFDS's drawer; returns the drawer."""
    drawer = page.locator(".mobile-drawer")
    expect(drawer).to_be_hidden()
    page.get_by_role("button", name="Menu", exact=True).click()
    expect(drawer).to_be_visible()
    expect(drawer.get_by_role("button", name="Luk menu")).to_be_focused()
    return drawer


def _phone_page(page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _no_horizontal_overflow(page)
    # The desktop's user area and side menu are not on a phone's page.
    expect(page.get_by_test_id("signed-in")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Administration")).to_be_hidden()
    axe_check(page)


def test_a_stranger_on_a_phone_finds_log_paa_in_the_menu(page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    _no_horizontal_overflow(page)
    axe_check(page)
    drawer = _drawer_open(page)
    expect(drawer.get_by_role("link", name="Forside")).to_have_attribute("aria-current", "page")
    expect(drawer.get_by_role("button", name="English")).to_be_visible()
    axe_check(page)
    # *Luk* closes it again; Escape too.
    drawer.get_by_role("button", name="Luk menu").click()
    expect(drawer).to_be_hidden()
    drawer = _drawer_open(page)
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    drawer = _drawer_open(page)
    drawer.get_by_role("link", name="Log på").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    _no_horizontal_overflow(page)


def test_the_organisation_administrator_on_a_phone_has_the_side_menu_and_log_af_in_the_menu(
    context, page, practice
):
    log_in(context, page, practice.owner_username, "/organisation/")
    page.set_viewport_size(PHONE)
    for url in (
        "/brugere/",
        "/brugere/importerede/",
        "/organisation/revisionslog/",
        "/organisation/roller/",
        "/aktivering/afventer/",
        "/organisation/",
    ):
        _phone_page(page, url)

    page.goto("/brugere/")
    drawer = _drawer_open(page)
    # *Organisation* is open on the administrators' pages, with the page itself current.
    submenu = drawer.get_by_role("button", name="Organisation")
    expect(submenu).to_have_attribute("aria-expanded", "true")
    expect(drawer.get_by_role("link", name="Brugere", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(drawer.get_by_text(practice.name).first).to_be_visible()
    axe_check(page)
    drawer.get_by_role("link", name="Revisionslog").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisionslog")
    expect(page).to_have_url(re.compile(r"/organisation/revisionslog/$"))

    drawer = _drawer_open(page)
    drawer.get_by_role("button", name="Log af").click()
    expect(page.get_by_test_id("signed-in")).to_have_count(0)
    drawer = _drawer_open(page)
    expect(drawer.get_by_role("link", name="Log på")).to_be_visible()


def test_the_employee_on_a_phone_reads_min_profil_and_logs_out(context, page, live_server):
    employee = UserFactory(state="active", email="ida.holm@example.dk")
    client = Client()
    client.force_login(employee)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size(PHONE)
    _phone_page(page, "/aktiver/min-profil/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Min profil")
    drawer = _drawer_open(page)
    expect(drawer.get_by_text(employee.full_name)).to_be_visible()
    expect(drawer.get_by_role("button", name="Organisation")).to_have_attribute(
        "aria-expanded", "true"
    )
    expect(drawer.get_by_role("link", name="Min profil")).to_have_attribute("aria-current", "page")
    drawer.get_by_role("button", name="Log af").click()
    expect(page.get_by_test_id("signed-in")).to_have_count(0)
    page.goto("/aktiver/min-profil/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Min profil")


def test_on_a_desktop_the_side_menu_is_beside_the_content_and_wide_tables_fit(
    context, page, practice, tmp_path
):
    page.set_viewport_size(DESKTOP)
    log_in(context, page, practice.owner_username, "/organisation/revisionslog/")
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
    side = page.get_by_role("navigation", name="Administration")
    expect(side).to_be_visible()
    expect(side.get_by_role("link", name="Revisionslog")).to_have_attribute("aria-current", "page")
    _no_horizontal_overflow(page)
    _last_column_on_screen(page, "IP-adresse")
    axe_check(page)

    # Masseopret's preview: the row errors (*Kontrol*) are on screen without scrolling sideways.
    header = "fornavn;efternavn;cpr;fødselsdato;email;mobil"
    rows = [
        f"Annemarie Christina Louise;Lund-Østergaard;{fictitious_cpr(1, datetime.date(1971, 2, 3))}"
        ";;annemarie.christina.louise.lund-oestergaard@eksempel-tandlaegerne.dk;+45 22 33 44 55",
        "Bent;Mikkelsen;;24-12-1980;ikke-en-adresse;+45 22 33 44 56",
    ]
    csv = tmp_path / "brugere.csv"
    csv.write_bytes(("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode())
    page.goto("/brugere/masseopret/")
    page.get_by_label("CSV-fil med brugere").set_input_files(str(csv))
    page.get_by_role("button", name="Kontrollér filen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrollér brugerne")
    _no_horizontal_overflow(page)
    _last_column_on_screen(page, "Kontrol")
    axe_check(page)


def _last_column_on_screen(page, heading: str) -> None:
    """The table's last column header is inside its scroll box and the viewport, unscrolled."""
    cell = page.get_by_role("columnheader", name=heading)
    expect(cell).to_be_visible()
    box = cell.bounding_box()
    scroller = page.locator(".table--responsive-scroll", has=cell)
    outer = scroller.bounding_box()
    assert box["x"] + box["width"] <= outer["x"] + outer["width"] + 1, (heading, box, outer)
    assert box["x"] + box["width"] <= page.viewport_size["width"], (heading, box)
