"""No page shows a guide-step id such as "(G1.5)": the ids belong in template comments, where
they keep the guide's coverage visible to developers, never in the text people read (issue 13).

Two checks: every template's text outside its comments, and the pages of the demo world as a
stranger, the owner in the NemID self-service, the practice's organisation administrator after
the import, and an employee, rendered by the test client (one page per URL pattern, following
the links of each page)."""

import re
from collections import deque
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from activation import services as activation_services
from simulators import demo
from simulators.nemid.models import NemIDEmployee
from tests.helpers import demo_practice_connect, sign_in_person
from users.models import User
from users.services.import_nemid import users_import_from_nemid

GUIDE_ID = re.compile(r"G\d\.\d+")
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
HREF = re.compile(r'href="(/[^"#]*)')
SKIP = re.compile(r"^/(static|operatoer|i18n)/|/log-af/|\.csv$|/rapport\.csv")
MAX_PAGES = 60


def _template_dirs() -> list[Path]:
    return [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]


def test_no_template_shows_a_guide_id_outside_its_comments():
    offenders = []
    files = [path for root in _template_dirs() for path in root.rglob("*.html")]
    assert files
    for path in files:
        text = HTML_COMMENT.sub("", TEMPLATE_COMMENT.sub("", path.read_text(encoding="utf-8")))
        for line_number, line in enumerate(text.splitlines(), 1):
            if GUIDE_ID.search(line):
                offenders.append(f"{path}:{line_number}: {line.strip()}")
    assert offenders == []


def test_the_scan_sees_an_id_in_text_and_not_in_a_comment():
    text = "{# G1.5 #}<p>Ret navnet</p>{% comment %}G1.6{% endcomment %}<span>(G1.2)</span>"
    visible = HTML_COMMENT.sub("", TEMPLATE_COMMENT.sub("", text))
    assert GUIDE_ID.findall(visible) == ["G1.2"]


def _visible(html: str) -> str:
    return unescape(HTML_COMMENT.sub("", html))


def _crawl(client, start: list[str]) -> dict[str, list[str]]:
    """Visit the start pages and the pages they link to, one per URL pattern; returns the guide
    ids found on each page that shows any."""
    seen: set[str] = set()
    found: dict[str, list[str]] = {}
    queue = deque(start)
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        path = url.split("?")[0]
        if SKIP.search(path):
            continue
        try:
            pattern = resolve(path).route
        except Resolver404:
            continue
        if pattern in seen:
            continue
        seen.add(pattern)
        response = client.get(url, follow=True)
        visited += 1
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        ids = GUIDE_ID.findall(_visible(html))
        if ids:
            found[url] = ids
        queue.extend(unescape(href) for href in HREF.findall(html))
    assert visited > 3, start
    return found


@pytest.fixture
def world(mailbox_backend):
    owner = next(p for p in demo.PEOPLE if p.key == "owner")
    practice = demo_practice_connect()
    users_import_from_nemid(organisation=practice, started_by_name=owner.full_name)
    admin = practice.users.get(first_name=owner.first_name, last_name=owner.last_name)
    imported = list(practice.users.filter(state=User.State.IMPORTED).order_by("pk")[:2])
    activation_services.users_activation_start(
        organisation=practice, users=imported, means=["private"], actor=admin
    )
    return {"owner": owner, "practice": practice, "admin": admin, "employee": imported[0]}


@pytest.mark.django_db
@pytest.mark.timeout(900)  # four personas' crawls of the whole demo world on a shared machine
def test_no_page_of_the_demo_world_shows_a_guide_id(client, world):
    practice = world["practice"]
    employees = reverse("nemid:employees", args=[practice.cvr])
    problem = NemIDEmployee.objects.filter(cvr=practice.cvr, rid="38416206").get()
    pages = {
        "stranger": _crawl(client, ["/", "/hjaelp/", "/simulator/", "/saerskilt-mitid/log-paa/"]),
    }
    sign_in_person(client, world["owner"])
    pages["owner"] = _crawl(
        client, [employees, reverse("nemid:employee", args=[practice.cvr, problem.pk])]
    )
    client.force_login(world["admin"])
    pages["organisation administrator"] = _crawl(client, ["/organisation/", "/brugere/"])
    client.force_login(world["employee"])
    pages["employee"] = _crawl(client, [reverse("employee:profile")])
    assert {persona: found for persona, found in pages.items() if found} == {}


@pytest.mark.django_db
def test_the_nemid_report_shows_problems_without_their_guide_ids(client, world):
    practice = world["practice"]
    sign_in_person(client, world["owner"])
    page = client.get(reverse("nemid:employees", args=[practice.cvr])).content.decode()
    assert "Navnet afviger fra CPR-registret" in page and "Mangler RID-nummer" in page
    assert GUIDE_ID.findall(_visible(page)) == []
