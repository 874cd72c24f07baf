"""CSRF is enforced on every view (DESIGN.md "Rules"; issue 7): a POST without a token to any
URL pattern of the portal, the simulators or the operator pages is refused with 403 by the CSRF
check, before the view runs – logged in or not.

The only exceptions are the machine-to-machine endpoints (the broker's token, revocation,
and userinfo endpoints, the SCIM API): they authenticate each call by a client
credential or a bearer token in a header, never by the browser's cookies, so a forged cross-site
request carries nothing they accept. They are exactly the paths registered with
``mitid_portal.registry.api_path_register``."""

import pytest
from django.http import HttpResponseForbidden
from django.test import Client

from mitid_portal.registry import api_resolver_for
from tests.abuse.urlwalk import plausible_url, url_templates
from tests.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

MARK = "CSRF-REFUSED"
TEMPLATES = url_templates()
EXEMPT = [t for t in TEMPLATES if getattr(t.callback, "csrf_exempt", False)]
CHECKED = [t for t in TEMPLATES if t not in EXEMPT]


def csrf_failure(request, reason=""):
    return HttpResponseForbidden(f"{MARK}: {reason}")


@pytest.fixture
def csrf_client(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.csrf_failure"
    return Client(enforce_csrf_checks=True)


def test_no_view_is_exempt_from_the_csrf_check_but_the_machine_to_machine_endpoints():
    browser_views = [str(t) for t in EXEMPT if api_resolver_for(plausible_url(t)) is None]
    assert browser_views == []
    # The broker's token endpoint and the SCIM API are among them (and nothing else is).
    names = {t.name for t in EXEMPT}
    assert "oauth2_provider:token" in names
    assert any(name.startswith("scim:") for name in names)
    assert "oauth2_provider:authorize" not in names


def test_the_machine_to_machine_endpoints_refuse_a_post_without_a_credential(client):
    for template in EXEMPT:
        response = client.post(plausible_url(template), {"any": "value"})
        assert response.status_code in (400, 401, 403, 404, 405), (template, response.status_code)


@pytest.mark.parametrize("template", CHECKED, ids=str)
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
