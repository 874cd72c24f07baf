"""CSRF is enforced on every view (DESIGN.md "Rules"; issue 7): a POST without a token to any
URL pattern of the portal, the simulators or the operator pages is refused with 403 by the CSRF
check, before the view runs – logged in or not."""

import pytest
from django.http import HttpResponseForbidden
from django.test import Client

from tests.abuse.urlwalk import plausible_url, url_templates
from tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

MARK = "CSRF-REFUSED"
TEMPLATES = url_templates()


def csrf_failure(request, reason=""):
    return HttpResponseForbidden(f"{MARK}: {reason}")


@pytest.fixture
def csrf_client(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.csrf_failure"
    return Client(enforce_csrf_checks=True)


def test_no_view_is_exempt_from_the_csrf_check():
    exempt = [str(t) for t in TEMPLATES if getattr(t.callback, "csrf_exempt", False)]
    assert exempt == []


@pytest.mark.parametrize("template", TEMPLATES, ids=str)
def test_a_post_without_token_is_refused(csrf_client, template):
    url = plausible_url(template)
    response = csrf_client.post(url, {"any": "value"})
    assert response.status_code == 403, (url, response.status_code)
    assert MARK in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["activation:bulk_start", "activation:code_reveal", "users:suspend", "employee:code"],
)
def test_a_logged_in_administrator_without_token_is_refused_too(csrf_client, name):
    admin = RoleGrantFactory().user
    csrf_client.force_login(admin)
    template = next(t for t in TEMPLATES if t.name == name)
    response = csrf_client.post(plausible_url(template), {"user": ["1"], "code": "12345678"})
    assert response.status_code == 403
    assert MARK in response.content.decode()


def test_a_post_with_a_forged_token_is_refused(csrf_client):
    csrf_client.get("/log-paa/")  # sets the CSRF cookie
    response = csrf_client.post(
        "/log-paa/", {"csrfmiddlewaretoken": "x" * 64, "username": "hanne.vestergaard"}
    )
    assert response.status_code == 403
    assert MARK in response.content.decode()


def test_a_post_with_the_right_token_passes_the_check(csrf_client):
    csrf_client.get("/aktiver/")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post("/i18n/setlang/", {"csrfmiddlewaretoken": token, "language": "en"})
    assert response.status_code == 302
