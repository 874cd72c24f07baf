"""Hostile path arguments and query strings on every URL pattern (issue 7, "Abuse and bad
input"): every answer, anonymous or to a logged-in administrator, is below 500 and echoes
nothing unescaped."""

import pytest
from django.db import connection
from django.test import Client

from tests.abuse.hostile import HUGE_NUMBER, VALUES, assert_sane
from tests.abuse.urlwalk import plausible_url, plausible_value, url_templates
from tests.activation.factories import SetUpOrganisationFactory
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = url_templates()
WITH_ARGS = [t for t in TEMPLATES if t.args]
QUERY = {
    "q": VALUES[5],
    "side": "9" * 30,
    "page": "-1",
    "next": "//evil.example/",
    "sort": "' OR 1=1 --",
    "action": "<script>alert(1)</script>",
    "fra": "2024-13-45",
    "til": "x" * 3000,
    "o": "-1.99",
    "p": "9" * 30,
}


@pytest.fixture
def clients():
    organisation = SetUpOrganisationFactory()
    admin = RoleGrantFactory(user=UserFactory(organisation=organisation)).user
    # A server error comes back as a 500 response (not raised), so that one test lists them all.
    admin_client = Client(raise_request_exception=False)
    admin_client.force_login(admin)
    return [Client(raise_request_exception=False), admin_client]


def _check_all(requests) -> None:
    problems = []
    for label, send in requests:
        try:
            assert_sane(send(), label)
        except AssertionError as exc:
            problems.append(str(exc).splitlines()[0])
    assert problems == [], "\n".join(dict.fromkeys(problems))


def _path_requests(clients, template, values):
    anonymous, admin = clients
    for value in values:
        url = template.build({arg.name: value for arg in template.args})
        yield f"GET {url[:100]}", lambda url=url: admin.get(url)
        yield f"GET {url[:100]} (anonymous)", lambda url=url: anonymous.get(url)
        yield f"POST {url[:100]}", lambda url=url, v=value: admin.post(url, {"x": v})
        if len(template.args) > 1:
            # One argument hostile, the others plausible: reaches deeper into the view.
            for arg in template.args:
                mixed = {a.name: value if a is arg else plausible_value(a) for a in template.args}
                url = template.build(mixed)
                yield f"GET {url[:100]}", lambda url=url: admin.get(url)


NUL = "a\x00b"
ORDINARY = [v for v in VALUES if v not in (NUL, HUGE_NUMBER)]
SQLITE = connection.vendor == "sqlite"
POSTGRESQL = connection.vendor == "postgresql"


def _params(templates, bugs=None):
    bugs = bugs or {}
    return [
        pytest.param(t, id=str(t), marks=[bugs[t.name]] if t.name in bugs else [])
        for t in templates
    ]


@pytest.mark.parametrize("template", _params(WITH_ARGS))
def test_hostile_path_arguments_never_break_a_page(clients, template):
    _check_all(_path_requests(clients, template, ORDINARY))


@pytest.mark.parametrize("template", _params(WITH_ARGS))
def test_a_nul_character_in_a_path_argument_never_breaks_a_page(clients, template):
    _check_all(_path_requests(clients, template, [NUL]))


@pytest.mark.parametrize("template", _params(WITH_ARGS))
def test_a_number_beyond_64_bits_in_a_path_argument_never_breaks_a_page(clients, template):
    _check_all(_path_requests(clients, template, [HUGE_NUMBER]))


@pytest.mark.parametrize("template", TEMPLATES, ids=str)
def test_hostile_query_strings_never_break_a_page(clients, template):
    url = plausible_url(template)
    _check_all(
        (f"GET {url}?hostile{' (anonymous)' if i == 0 else ''}", lambda c=c: c.get(url, QUERY))
        for i, c in enumerate(clients)
    )
