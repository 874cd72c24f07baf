"""Every page of the demo world, as each persona, on a phone (390×844) and a desktop (1280×800),
in Danish and in English (issue 13).

The personas: a stranger; the owner Hanne Vestergaard, who connected the practice and appointed
herself organisation administrator (and has begun connecting her dental clinic); Lone Friis, the
organisation administrator of the other, already connected organisation; Søren Bech, the
practice's user administrator (from NemID); and the employee Lise Kristensen. The stranger crawls
the simulated outside world (registers, MitID, NemID, mailbox, phones, public services) and the
emailed activation link; the others the portal. In an English run the world's people read
English, so their emails and SMS are English too.

Each parametrization (persona × language × width) gets its own browser context: it logs in once
(on the broker, in Danish), sets the language cookie and crawls. The crawl starts from the
persona's start pages and the known form pages, follows every link (same origin, GET only – a GET
never changes state), skips logout, the language switch, downloads and files, and visits one page
per URL pattern, breadth first in document order, at most ``MAX_PAGES``: the same pages on every
run. On each page it checks

- no horizontal page overflow: ``scrollWidth <= innerWidth``;
- axe-core: no violation of impact serious or critical;
- on an English page, no word of the portal's Danish vocabulary (``DANISH``) in the visible text,
  leaving out the demo world's data (people's and organisations' names, addresses, services) and
  whatever is marked ``lang="da"`` (the language switch's *Dansk*);
- the menu and *Log af* (the stranger: *Log på*) reachable: on the phone through the design
  system's menu button (``.menu-button``, which opens the ``.mobile-drawer``), on the desktop in
  the header; every item of the side menu a page has is reachable too.

All failures of a parametrization are reported together, page by page.
"""

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve
from django.utils import translation
from playwright.sync_api import Error as PlaywrightError

from activation import services as activation_services
from activation.services.create import COLUMNS as BULK_COLUMNS
from mitid_portal import outside
from organisations import services as organisation_services
from organisations.models import Organisation, PublicService, RoleGrant
from simulators import demo
from simulators.mailbox.models import MailMessage
from simulators.nemid.models import NemIDEmployee
from simulators.registers.models import Company, Person
from tests.browser.conftest import AXE, log_in
from tests.helpers import demo_practice_connect
from users.models import User
from users.services.import_nemid import users_import_from_nemid

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 800}}
PERSONAS = ("stranger", "owner", "organisation_admin", "user_admin", "employee")
LANGUAGES = ("da", "en")
MAX_PAGES = 60

# Logout, the language switch, downloads and files, Django's admin, the broker's and the IdM
# API's machine endpoints, an email's own HTML document (shown in the mailbox's frame) and the
# status endpoints the pages poll.
SKIP = re.compile(
    r"^/(static|media|operatoer|i18n|scim|broker/(?!log-paa/))"
    r"|/log-af/|\.(csv|json|pdf|png|txt)$|/html/$|/status/$"
)

# The simulated outside world (registers, MitID, NemID, mailbox, phones, public services and the
# separate MitID's app): the stranger crawls it; the others visit only their start pages there.
OUTSIDE = re.compile(r"^/(simulator|saerskilt-mitid/app)/.")

# The main menu's items every page has (Forside, Hjælp, Simulatorer).
MENU_HREFS = ("/", "/hjaelp/", "/simulator/")
LOG_OFF = {"da": "Log af", "en": "Log out"}
LOG_ON = {"da": "Log på", "en": "Log in"}

# The portal's Danish vocabulary: its frequent words and its menu, button and heading words,
# none of which is also an English word (so not "Handling", "marts" or "Dine"). Matched
# case-insensitively on word boundaries (a hyphen joins a word: "e-mail" is one word).
DANISH = (
    # small words
    "og",
    "ikke",
    "eller",
    "af",
    "på",
    "til",
    "med",
    "fra",
    "har",
    "kan",
    "skal",
    "ingen",
    "endnu",
    "igen",
    "allerede",
    "også",
    "hvis",
    "når",
    "efter",
    "denne",
    "dette",
    "jeres",
    "din",
    "dit",
    "du",
    "vil",
    "være",
    "kun",
    "alle",
    "nyt",
    "uden",
    "før",
    "ved",
    "hos",
    # menus, headings and buttons
    "Forside",
    "Hjælp",
    "Simulatorer",
    "Tilslut organisation",
    "Opsætning",
    "Anmodninger",
    "Revisionslog",
    "Rettigheder",
    "Fuldmagter",
    "Fuldmagt",
    "Roller",
    "Indstillinger",
    "Overblik",
    "Importerede",
    "Masseopret",
    "Brugergrupper",
    "Brugergruppe",
    "Postkasse",
    "Min profil",
    "Brugerinformation",
    "Log af",
    "Log på",
    "Log ind",
    "Gem",
    "Næste",
    "Tilbage",
    "Fortsæt",
    "Godkend",
    "Afvis",
    "Bekræft",
    "Tilføj",
    "Fjern",
    "Søg",
    "Vælg",
    "Indtast",
    "Opret",
    "Rediger",
    "Tildel",
    "Annullér",
    "Annuller",
    "Luk",
    "Hent",
    "Vis",
    "Ret",
    "Nulstil",
    "Fejl",
    "Ja",
    "Nej",
    # the portal's nouns and states
    "Bruger",
    "Brugere",
    "Brugeren",
    "Brugerne",
    "brugeradministrator",
    "organisationsadministrator",
    "rettighedsadministrator",
    "medarbejder",
    "medarbejdere",
    "medarbejderen",
    "medarbejdersignatur",
    "aktivering",
    "aktiveringen",
    "aktiveringskode",
    "aktiveringslink",
    "aktiveret",
    "Afventer",
    "identifikationsmiddel",
    "identifikationsmidler",
    "rettighed",
    "rettigheden",
    "anmodning",
    "navn",
    "fornavn",
    "efternavn",
    "fødselsdato",
    "mobilnummer",
    "e-mailadresse",
    "CPR-nummer",
    "CVR-nummer",
    "RID-nummer",
    "Bruger-ID",
    "kodeviser",
    "kodeoplæser",
    "verifikationskode",
    "tjeneste",
    "tjenester",
    "virksomhed",
    "oprettet",
    "importeret",
    "sendt",
    "spærret",
    "suspenderet",
    "lukket",
    "udløbet",
    "udløber",
    "godkendt",
    "afvist",
    "tilbagekaldt",
    "gennemført",
    "mangler",
    "findes",
    "øvelse",
    "dage",
    "Tidspunkt",
    # Danish month and day names
    "januar",
    "februar",
    "maj",
    "juni",
    "juli",
    "oktober",
    "mandag",
    "tirsdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lørdag",
    "søndag",
)
DANISH_RE = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(word) for word in DANISH) + r")(?![\w-])", re.IGNORECASE
)

# The visible text of the page's English parts: text nodes of rendered elements, the values of
# buttons, placeholders and the title; what is marked with another language (lang="da") is not.
VISIBLE_TEXT_JS = """() => {
  const english = (el) => {
    const marked = el.closest('[lang]');
    return !marked || marked.lang.toLowerCase().startsWith('en');
  };
  const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true})
    || (el.closest('select') && el.closest('select').checkVisibility());
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(el.tagName)) continue;
    if (english(el) && shown(el)) parts.push(walker.currentNode.nodeValue);
  }
  for (const el of document.querySelectorAll(
      'input[type=submit], input[type=button], input[type=reset], [placeholder]')) {
    if (english(el) && shown(el)) parts.push(el.value || '', el.placeholder || '');
  }
  return parts.join('\\n');
}"""

AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.impact}: ${v.id} – ${v.help} (${v.nodes.length}×: ${v.nodes[0].target})`);
}"""


def _pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return str(match.route)


@pytest.fixture
def world(request, mailbox_backend):
    """The demo world with the practice connected by its owner (who appointed herself
    organisation administrator), the NemID import run, Søren Bech (a NemID administrator, so a
    user administrator) and Lise Kristensen active with private MitID, two users awaiting
    activation, the dental clinic's connection started and an SMS in a simulated phone. Its
    people read the test's language: in English, their emails are in English too."""
    language = request.node.callspec.params["language"]
    with translation.override(language):
        return _world(language)


def _world(language: str):
    people = {p.key: p for p in demo.PEOPLE}
    owner = people["owner"]
    practice = demo_practice_connect()
    Organisation.objects.filter(pk=practice.pk).update(
        allow_private_mitid=True, allowed_means=["app", "kodeviser"], preferred_means="app"
    )
    practice.refresh_from_db()
    # The NemID administrator Søren Bech comes across as user administrator (G3.6).
    soeren_signature = NemIDEmployee.objects.get(cvr=demo.PRACTICE_CVR, rid="38416202")
    users_import_from_nemid(
        organisation=practice,
        started_by_name=owner.full_name,
        admin_roles={soeren_signature.pk: RoleGrant.Role.USER_ADMIN},
    )
    admin = practice.users.get(first_name=owner.first_name, last_name=owner.last_name)
    soeren = practice.users.get(last_name=people["soeren"].last_name)
    assert RoleGrant.objects.filter(user=soeren, role=RoleGrant.Role.USER_ADMIN).exists()
    lise = practice.users.get(last_name=people["lise"].last_name)
    practice.users.filter(pk__in=[soeren.pk, lise.pk]).update(
        state=User.State.ACTIVE, uses_private_mitid=True
    )
    User.objects.update(language=language)
    imported = list(
        practice.users.filter(state=User.State.IMPORTED).exclude(email="").order_by("pk")[:2]
    )
    activation_services.users_activation_start(
        organisation=practice, users=imported, means=["private", "app"], actor=admin
    )
    connection = organisation_services.connection_start(
        cpr=owner.cpr, person_name=owner.full_name, cvr=demo.DENTAL_CVR
    )
    text = {"da": "Din verifikationskode er 123456.", "en": "Your verification code is 123456."}
    outside.sms_gateway().send(number="+4522334455", text=text[language])
    bodies = MailMessage.objects.values_list("body_text", flat=True)
    tokens = re.findall(r"/aktiver/link/([^/\s]+)/", "\n".join(bodies))
    assert tokens
    # The demo world's data, which stays as it is in English.
    # Names: the service, the old system's (NemID medarbejdersignatur) and the language switch's.
    data = {"MitID Erhverv", "NemID medarbejdersignatur", "medarbejdersignatur.dk", "Dansk"}
    for person in Person.objects.all():
        data |= {person.first_name, person.last_name}
    for company in Company.objects.all():
        data |= {company.name, company.address, company.legal_form}
    data |= set(Organisation.objects.values_list("name", flat=True))
    data |= set(PublicService.objects.values_list("name", flat=True))
    data |= set(demo.SERVICES.values()) | set(demo.DEMO_PUBLIC_SERVICES.values())
    # The columns a Masseopret file must have, named so in either language.
    data |= set(BULK_COLUMNS)
    user = practice.users.filter(state=User.State.IMPORTED).first()
    return {
        "practice": practice,
        "token": tokens[0],
        "imported": user,
        "connection": connection,
        "data": sorted((d for d in data if d), key=len, reverse=True),
        "users": {"owner": admin, "user_admin": soeren, "employee": lise},
    }


def _login_and_start(persona: str, world) -> tuple[str | None, list[str]]:
    """The persona's user name (None: the stranger) and start pages (with the known form pages
    the links do not reach)."""
    if persona == "stranger":
        return None, [
            "/",
            "/hjaelp/",
            "/simulator/",
            "/simulator/postkasse/",
            "/simulator/sms/",
            f"/simulator/nemid/{demo.PRACTICE_CVR}/",
            f"/aktiver/link/{world['token']}/",
            "/aktiver/link/ukendt/",
            "/saerskilt-mitid/log-paa/",
            "/nemlog-in/tilslut/",
            "/log-paa/",
        ]
    admin_pages = [
        "/organisation/",
        "/brugere/",
        "/brugere/importerede/",
        "/brugere/import/",
        "/brugere/opret/",
        "/brugere/masseopret/",
        "/aktivering/afventer/",
        "/organisation/opsaetning/",
        "/organisation/opsaetning/means/",
        "/organisation/opsaetning/policy/",
        "/organisation/opsaetning/billing/",
        "/organisation/opsaetning/summary/",
        "/organisation/indstillinger/",
        "/organisation/revisionslog/",
        "/organisation/overblik/",
        "/organisation/roller/",
        "/organisation/rettigheder/",
        "/organisation/rettigheder/grupper/",
        "/organisation/rettigheder/anmod/",
        "/organisation/rettigheder/anmodninger/",
        "/organisation/fuldmagter/",
        "/organisation/fuldmagter/ny/",
        "/organisation/fuldmagter/anmod/",
        "/organisation/idm-klienter/",
        "/aktiver/min-profil/",
    ]
    # The pages of one of the practice's users (the other organisation's administrator reaches
    # her own users' pages through the links).
    pk = world["imported"].pk
    user_pages = [
        f"/aktivering/bruger/{pk}/",
        f"/brugere/{pk}/",
        f"/brugere/{pk}/rediger/",
        f"/organisation/rettigheder/bruger/{pk}/",
    ]
    if persona == "owner":
        connection = world["connection"].pk
        return demo.PEOPLE[0].username, [
            *admin_pages,
            *user_pages,
            "/nemlog-in/tilslut/",
            f"/nemlog-in/tilslut/{connection}/vilkaar/",
            f"/nemlog-in/tilslut/{connection}/administrator/",
            f"/nemlog-in/tilslut/{connection}/dokumentation/",
            f"/nemlog-in/tilslut/{connection}/bekraeft/",
            f"/simulator/nemid/{demo.PRACTICE_CVR}/",
        ]
    if persona == "organisation_admin":
        return "lone.friis", admin_pages
    user = world["users"][persona]
    account = next(p for p in demo.PEOPLE if p.last_name == user.last_name)
    if persona == "user_admin":
        return account.username, ["/brugere/", *admin_pages, *user_pages]
    return account.username, ["/aktiver/min-profil/"]


HEADER_JS = """({scope, name, menuHrefs}) => {
  const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true})
    && el.getBoundingClientRect().width > 0;
  const root = document.querySelector(scope);
  if (!root) return [`no ${scope}`];
  const problems = [];
  // A link in a collapsed submenu is reachable when the button that opens it is shown.
  const reachable = (a) => {
    if (shown(a)) return true;
    const collapsed = a.closest('.collapsed[id]');
    const opener = collapsed && document.querySelector(`[aria-controls="${collapsed.id}"]`);
    return Boolean(opener && shown(opener));
  };
  const links = (within, href) => [...within.querySelectorAll('a[href]')]
    .filter((a) => a.getAttribute('href') === href && reachable(a));
  for (const href of menuHrefs) {
    if (!links(root, href).length) problems.push(`menu item ${href} not reachable`);
  }
  const controls = [...root.querySelectorAll('button, a[href], input[type=submit]')]
    .filter((el) => shown(el) && (el.innerText || el.value || '').trim() === name);
  if (!controls.length) problems.push(`'${name}' not reachable`);
  const side = new Set([...document.querySelectorAll('.sidemenu a[href]')]
    .map((a) => a.getAttribute('href')));
  for (const href of side) {
    if (!links(document, href).length) problems.push(`side menu item ${href} not reachable`);
  }
  return problems;
}"""


def _header_problems(page, persona: str, language: str, width: str) -> list[str]:
    """What of the menu and Log af (Log på) is not reachable: on the phone through the menu
    button, on the desktop in the header."""
    name = LOG_ON[language] if persona == "stranger" else LOG_OFF[language]
    scope = "header"
    if width == "390":
        button = page.locator("button.menu-button").first
        if not button.is_visible():
            return ["no visible menu button (button.menu-button)"]
        scope = ".mobile-drawer.is-visible"
        try:
            button.click(timeout=3_000)
            page.wait_for_selector(scope, state="visible", timeout=3_000)
        except PlaywrightError:
            return ["the menu button does not open the menu (.mobile-drawer.is-visible)"]
    return page.evaluate(HEADER_JS, {"scope": scope, "name": name, "menuHrefs": list(MENU_HREFS)})


# Addresses are not words: URLs, paths (Revisionslog's "Tried to open /brugere/…") and emails.
ADDRESSES = re.compile(r"https?://\S*|(?<!\S)/\S*|\S+@\S+")


def _danish_words(page, data: list[str]) -> list[str]:
    text = page.evaluate(VISIBLE_TEXT_JS)
    for value in data:
        text = text.replace(value, " ")
    text = ADDRESSES.sub(" ", text)
    return sorted({match.group(0) for match in DANISH_RE.finditer(text)})


def _page_problems(page, persona, language, width, data) -> list[str]:
    problems = []
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    if scroll_width > inner_width:
        problems.append(f"horizontal overflow: scrollWidth {scroll_width} > {inner_width}")
    problems += page.evaluate(AXE_JS)
    if language == "en":
        words = _danish_words(page, data)
        if words:
            problems.append("Danish words: " + ", ".join(words))
    problems += _header_problems(page, persona, language, width)
    return problems


def _crawl(page, start_urls, *, persona, language, width, data) -> tuple[list, dict]:
    """Visit the start pages and the pages linked from them, one per URL pattern; returns the
    pages visited and each failing page's problems."""
    stranger = persona == "stranger"
    visited: list[str] = []
    failures: dict[str, list[str]] = {}
    seen: set[str] = set()
    queue = deque(start_urls)
    origin = None
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        pattern = _pattern(path)
        if SKIP.search(path) or pattern is None or pattern in seen:
            continue
        if not stranger and OUTSIDE.match(path) and url not in start_urls:
            continue
        seen.add(pattern)
        response = page.goto(url)
        assert response is not None and response.status < 500, (url, response and response.status)
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        origin = origin or "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        landed = urlsplit(page.url).path
        if landed != path:
            landed_pattern = _pattern(landed)
            if landed_pattern in seen:
                continue
            seen.add(landed_pattern or landed)
        visited.append(landed)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        problems = _page_problems(page, persona, language, width, data)
        if problems:
            failures[landed] = problems
        for href in hrefs:
            href = href.split("#")[0]
            if href.startswith(origin) and href not in (url, page.url):
                queue.append(href[len(origin) :] or "/")
    return visited, failures


# One parametrization crawls up to ~40 pages with axe-core on each: minutes on a busy machine.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_fits_works_and_speaks_the_language(
    browser, live_server, world, persona, language, width
):
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, locale="da-DK", viewport=WIDTHS["1280"]
    )
    context.set_default_timeout(10_000)
    # axe-core in every page, before the page's own scripts (the pages keep their strict CSP).
    context.add_init_script(path=str(AXE))
    try:
        page = context.new_page()
        username, start_urls = _login_and_start(persona, world)
        if username is not None:
            log_in(context, page, username, start_urls[0])
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.set_viewport_size(WIDTHS[width])
        visited, failures = _crawl(
            page, start_urls, persona=persona, language=language, width=width, data=world["data"]
        )
    finally:
        context.close()
    assert len(visited) >= 5, visited
    report = "\n".join(
        f"{path}:\n  " + "\n  ".join(problems) for path, problems in failures.items()
    )
    assert not failures, f"{len(failures)} of {len(visited)} pages fail:\n{report}"
