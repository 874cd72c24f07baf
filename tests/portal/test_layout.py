"""The shared layout: Danish by default, English through the switch, support in the footer."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_front_page_is_danish_with_skip_link_and_support(client):
    html = client.get("/").content.decode()
    assert '<html lang="da">' in html
    assert "Gå til sidens indhold" in html
    assert "33 98 00 20" in html
    assert "Log på MitID Erhverv" in html


def test_language_switch_gives_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in to MitID Erhverv" in html
    assert "Skip to content" in html


def test_every_page_has_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"


def test_help_page_names_the_three_roles(client):
    html = client.get(reverse("portal:help")).content.decode()
    for role in ("Organisationsadministrator", "Brugeradministrator", "Rettighedsadministrator"):
        assert role in html


def test_danish_is_the_default_whatever_the_browser_asks_for(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="da">' in html
