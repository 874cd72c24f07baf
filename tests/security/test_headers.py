"""Security headers on every page of a sample (issue 7): a Content-Security-Policy without
'unsafe-inline' (nor 'unsafe-eval'), frame denial, no MIME sniffing, a Referrer-Policy – and no
inline script, style or event handler in the HTML that such a policy would silently break."""

import re

import pytest
from django.core.management import call_command

from organisations.models import RoleGrant
from simulators import demo
from users.models import User

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/",
    "/hjaelp/",
    "/log-paa/",
    "/nemlog-in/tilslut/",
    "/aktiver/",
    "/saerskilt-mitid/log-paa/",
    "/simulator/",
    "/simulator/registre/cpr/",
    "/simulator/registre/cvr/",
    "/simulator/mitid/",
    "/simulator/postkasse/",
    "/simulator/sms/",
    "/simulator/nemid/",
    f"/simulator/nemid/{demo.PRACTICE_CVR}/",
    "/operatoer/login/",
    "/findes-ikke/",  # the 404 page
    "/aktiver/link/ukendt-link/",  # a problem page
]
ADMIN_PAGES = [
    "/organisation/",
    "/organisation/indstillinger/",
    "/organisation/revisionslog/",
    "/organisation/overblik/",
    "/brugere/",
    "/brugere/importerede/",
    "/brugere/import/",
    "/aktivering/afventer/",
]

_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>"
)
_INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle=\"")
_HANDLER = re.compile(r"<[^>]+\son[a-z]+=\"", re.IGNORECASE)


@pytest.fixture
def world():
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def other_admin_client(client, world):
    admin = User.objects.filter(
        organisation__cvr=demo.OTHER_CVR, role_grants__role=RoleGrant.Role.ORGANISATION_ADMIN
    ).first()
    assert admin is not None
    client.force_login(admin)
    return client


def _check(response, url: str) -> None:
    assert response.status_code < 500, url
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert "default-src" in directives, (url, csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, (url, csp)
    assert "script-src" in directives and "*" not in directives["script-src"], (url, csp)
    assert directives.get("frame-ancestors") == ["'none'"], (url, csp)
    assert directives.get("object-src") == ["'none'"], (url, csp)
    assert response.headers.get("X-Frame-Options") == "DENY", url
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("Referrer-Policy") in (
        "same-origin",
        "no-referrer",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ), url


def _check_html(response, url: str) -> None:
    if "text/html" not in response.headers.get("Content-Type", ""):
        return
    html = response.content.decode()
    assert not _INLINE_SCRIPT.search(html), (url, _INLINE_SCRIPT.search(html).group(0))
    assert not _INLINE_STYLE.search(html), (url, _INLINE_STYLE.search(html).group(0))
    assert not _HANDLER.search(html), (url, _HANDLER.search(html).group(0))


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_anonymous_pages_carry_the_headers(client, world, url):
    response = client.get(url)
    _check(response, url)
    _check_html(response, url)


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_administrator_pages_carry_the_headers(other_admin_client, url):
    response = other_admin_client.get(url)
    assert response.status_code == 200, url
    _check(response, url)
    _check_html(response, url)


def test_redirects_and_refusals_carry_them_too(client, world):
    for url, method in [
        ("/brugere/", "get"),  # → login
        ("/aktivering/brugere/", "post"),  # CSRF / login
        ("/organisation/revisionslog.csv", "get"),
    ]:
        _check(getattr(client, method)(url), url)


def test_the_session_and_csrf_cookies_are_httponly(client, world):
    client.get("/log-paa/")
    csrf = client.cookies.get("csrftoken")
    if csrf is not None:
        assert csrf["httponly"]
        assert csrf["samesite"].lower() in ("lax", "strict")
