"""The organisation administrator of the demo practice opens *Overblik* (G8.1; issue 6, "Must show":
"the overview chart shows the demo organisation's numbers"): the demo world is seeded
(``seed_demo``), the owner connects *Lægehuset Vestergade I/S* and appoints herself, the NemID
import runs and a few users are invited; then Hanne Vestergaard (a demo persona) logs in with the
simulated MitID app. The bars' numbers and the expiring links' figure are those counted from the
database for the practice, the labels stay readable (≥ 14 px) on a desktop and a phone, each link
leads to a list with as many rows, and the audit log filters; axe on every page.

Every write happens before the browser starts: the live server and the test share the database.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activation.models import Invitation
from activation.services import users_activation_start
from organisations.models import Organisation
from simulators import demo
from tests.browser.conftest import axe_check
from tests.helpers import demo_practice_connect
from users.models import User
from users.services.import_nemid import users_import_from_nemid

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = ("imported", "awaiting", "active", "suspended", "expiring")
# The link of each bar's table row, and the heading of the list it leads to.
LINKS = {
    "imported": ("Importeret, ikke aktiveret", "Importerede brugere"),
    "awaiting": ("Afventer aktivering", "Brugere"),
    "active": ("Aktive", "Brugere"),
    "suspended": ("Suspenderede", "Brugere"),
    "expiring": (
        "Se linkene, og send et nyt til dem der ikke når at aktivere",
        "Afventer aktivering",
    ),
}


@pytest.fixture
def practice(mailbox_backend) -> Organisation:
    owner = {person.key: person for person in demo.PEOPLE}["owner"]
    practice = demo_practice_connect()
    Organisation.objects.filter(pk=practice.pk).update(
        allow_private_mitid=True, allowed_means=["app", "kodeviser"], preferred_means="app"
    )
    practice.refresh_from_db()
    users_import_from_nemid(organisation=practice, started_by_name=owner.full_name)
    admin = practice.users.get(first_name=owner.first_name, last_name=owner.last_name)
    invited = list(practice.users.filter(state=User.State.IMPORTED).order_by("pk")[:2])
    invitations = users_activation_start(
        organisation=practice, users=invited, means=["app"], actor=admin
    )
    # One link close to its end, so the bar of links expiring within 7 days has a number.
    Invitation.objects.filter(pk=invitations[0].pk).update(
        expires_at=timezone.now() + datetime.timedelta(days=2)
    )
    return practice


def _numbers_in_the_database(practice: Organisation) -> dict[str, str]:
    """Counted here, independently of the overview's own query."""
    users = User.objects.filter(organisation=practice)
    now = timezone.now()
    expiring = Invitation.objects.filter(
        organisation=practice,
        state=Invitation.State.LIVE,
        expires_at__gt=now,
        expires_at__lte=now + datetime.timedelta(days=7),
    )
    return {
        "imported": str(users.filter(state=User.State.IMPORTED).count()),
        "awaiting": str(users.filter(state=User.State.AWAITING).count()),
        "active": str(users.filter(state=User.State.ACTIVE).count()),
        "suspended": str(users.filter(state=User.State.SUSPENDED).count()),
        "expiring": str(expiring.count()),
    }


def _log_in(context, page, username: str, next_url: str) -> None:
    page.goto(f"/log-paa/?next={next_url}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    page.get_by_label("Bruger-ID").fill(username)
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt").click()
    phone = context.new_page()
    phone.goto(f"/simulator/mitid/app/{username}/")
    phone.get_by_role("button", name="Godkend").click()
    expect(phone.get_by_text("Du har godkendt login.")).to_be_visible()
    phone.close()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"), timeout=15_000)


def test_the_overview_chart_shows_the_demo_practices_numbers(context, page, practice):
    expected = _numbers_in_the_database(practice)
    # The demo gives the bars numbers to compare (the two invited users await activation).
    assert int(expected["imported"]) > 0 and int(expected["awaiting"]) >= 2
    assert expected["expiring"] == "1"

    _log_in(context, page, "hanne.vestergaard", "/organisation/overblik/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overblik")
    expect(page.get_by_role("list", name="Brugere fordelt på status")).to_be_visible()
    shown = {key: page.get_by_test_id(f"count-{key}").text_content() for key in KEYS}
    assert shown == expected
    expect(page.get_by_test_id("overview-days").get_by_role("listitem")).to_have_count(14)
    axe_check(page)

    # Readable at every width: no label or number under 14 px, on a desktop and on a phone,
    # and the page is no wider than the phone's screen.
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        sizes = page.locator(
            "main .overview-bars__label, main .overview-bars__number"
        ).evaluate_all("nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))")
        assert sizes and min(sizes) >= 14, (width, sizes)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 800})

    # Each bar's row links to the list behind it, with as many rows as the bar's number.
    for key in KEYS:
        link, heading = LINKS[key]
        page.get_by_role("main").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        rows = page.get_by_role("main").locator("table tbody tr")
        assert rows.count() == int(expected[key]), key
        axe_check(page)
        page.go_back()
        expect(page.get_by_role("heading", level=1)).to_have_text("Overblik")

    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Revisionslog"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisionslog")
    axe_check(page)
    page.get_by_label("Handling", exact=True).select_option("users_activation_started")
    page.get_by_role("button", name="Vis").first.click()  # the filter, not the page size
    expect(page.get_by_role("cell", name="Aktivering af brugere startet")).to_be_visible()
    axe_check(page)
