"""Every page of the portal and the simulators that the seeded demo world offers, visited in
Chromium and checked with axe-core: no serious or critical violation (issue 7).

The crawl follows the links of each page (same site, GET only – a GET never changes state) and
visits one page per URL pattern, as four personas: a stranger (the front page and the whole
simulated outside world), the owner who connects the dental clinic, the practice's
organisation administrator (after the owner connected the practice and appointed herself, and
the NemID import ran), and an employee from the emailed activation link. The operator pages
(Django's admin under /operatoer/) are Django's own and not part of the crawl.
"""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from activation import services as activation_services
from mitid_portal import outside
from organisations.models import Organisation
from simulators import demo
from simulators.mailbox.models import MailMessage
from tests.browser.conftest import axe_check, log_in
from tests.helpers import demo_practice_connect
from users.models import User
from users.services.import_nemid import users_import_from_nemid

pytestmark = pytest.mark.django_db(transaction=True)

SKIP = re.compile(r"^/(static|operatoer|i18n|log-af)/|\.csv$|/log-af/")
MAX_PAGES = 45


def _pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def crawl(page, start_urls, *, seen_patterns: set[str]) -> tuple[list[str], list[str]]:
    """Visit the start pages and every page linked from them (one per URL pattern); returns
    the pages visited and the axe failures."""
    visited, failures = [], []
    queue = deque(start_urls)
    origin = None
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if SKIP.search(path):
            continue
        pattern = _pattern(path)
        if pattern is None or pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = page.goto(url)
        assert response is not None and response.status < 500, url
        origin = origin or "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        landed = urlsplit(page.url).path
        if landed != path:
            seen_patterns.add(_pattern(landed) or landed)
        visited.append(landed)
        try:
            axe_check(page)
        except pytest.fail.Exception as exc:
            failures.append(str(exc))
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            if href.startswith(origin) and href.split("#")[0] not in (url, page.url):
                queue.append(href.split("#")[0])
    return visited, failures


@pytest.fixture
def world(mailbox_backend):
    people = {p.key: p for p in demo.PEOPLE}
    owner = people["owner"]
    practice = demo_practice_connect()
    Organisation.objects.filter(pk=practice.pk).update(
        allow_private_mitid=True, allowed_means=["app", "kodeviser"], preferred_means="app"
    )
    practice.refresh_from_db()
    users_import_from_nemid(organisation=practice, started_by_name=owner.full_name)
    admin = practice.users.get(first_name=owner.first_name, last_name=owner.last_name)
    # Two users awaiting activation, so *Afventer aktivering* and its pages have rows.
    imported = list(practice.users.filter(state=User.State.IMPORTED).order_by("pk")[:2])
    invitations = activation_services.users_activation_start(
        organisation=practice, users=imported, means=["private", "app"], actor=admin
    )
    # An SMS in a simulated phone, so the phone's page has a message.
    outside.sms_gateway().send(number="+4522334455", text="Din verifikationskode er 123456.")
    return {
        "owner": owner,
        "practice": practice,
        "invitations": invitations,
        "imported": practice.users.filter(state=User.State.IMPORTED).first(),
    }


def _report(visited, failures):
    assert visited
    assert failures == [], "\n\n".join(failures) + f"\n\n(visited: {visited})"


def test_every_public_and_simulator_page_has_no_serious_violation(page, world):
    seen: set[str] = set()
    visited, failures = crawl(
        page,
        [
            "/",
            "/hjaelp/",
            "/simulator/",
            "/simulator/postkasse/",
            "/simulator/sms/",
            "/saerskilt-mitid/log-paa/",
            "/aktiver/link/ukendt/",
        ],
        seen_patterns=seen,
    )
    _report(visited, failures)
    assert len(visited) >= 12, visited


def test_every_page_of_the_owner_and_the_administrator_has_no_serious_violation(
    context, page, world
):
    log_in(context, page, world["owner"].username, "/organisation/")
    seen: set[str] = set()
    visited, failures = crawl(
        page,
        [
            "/organisation/",
            "/brugere/",
            "/brugere/importerede/",
            "/brugere/import/",
            "/aktivering/afventer/",
            "/organisation/opsaetning/",
            "/organisation/opsaetning/means/",
            "/organisation/opsaetning/policy/",
            "/organisation/opsaetning/billing/",
            "/organisation/opsaetning/summary/",
            f"/aktivering/bruger/{world['imported'].pk}/",
            "/organisation/indstillinger/",
            "/organisation/revisionslog/",
            "/organisation/overblik/",
            "/nemlog-in/tilslut/",
            f"/simulator/nemid/{demo.PRACTICE_CVR}/",
        ],
        seen_patterns=seen,
    )
    _report(visited, failures)
    assert len(visited) >= 12, visited


def test_the_employees_pages_from_the_link_have_no_serious_violation(context, page, world):
    """The link's landing and the pages a spent or unknown link leads to."""
    bodies = MailMessage.objects.values_list("body_text", flat=True)
    tokens = re.findall(r"/aktiver/link/([^/\s]+)/", "\n".join(bodies))
    assert tokens
    seen: set[str] = set()
    visited, failures = crawl(
        page, [f"/aktiver/link/{tokens[0]}/", "/aktiver/min-profil/"], seen_patterns=seen
    )
    _report(visited, failures)
