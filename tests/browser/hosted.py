"""Browser journeys in a hosted exercise (øvelse): the live server runs with ``SANDBOXES`` on (the
``exercise`` fixture in conftest.py), a trainee starts an exercise with *Start en øvelse*, and the
browser contexts that belong to it carry its signed cookie.

The live server runs in a thread of the test process, so the settings the test changes (pytest-
django's ``settings`` fixture swaps the one global settings object) are the server's settings;
``SandboxMiddleware`` reads ``SANDBOXES`` on every request.
"""

import re

from django.conf import settings
from django.http import HttpRequest
from playwright.sync_api import expect

from mitid_portal.models import Sandbox
from mitid_portal.sandbox_middleware import COOKIE_SALT
from tests.browser.conftest import axe_check

PHONE = {"width": 390, "height": 844}
INVITE_LINK = re.compile(r"/oevelse/deltag/[A-Za-z0-9_\-]{20,}/")


def new_context(browser, live_server, **options):
    """A browser context like conftest's ``context`` (axe may be injected, Danish)."""
    context = browser.new_context(
        base_url=live_server.url, bypass_csp=True, locale="da-DK", **options
    )
    context.set_default_timeout(10_000)
    return context


def exercise_cookie(context) -> dict | None:
    return next(
        (c for c in context.cookies() if c["name"] == settings.SANDBOX_COOKIE_NAME),
        None,
    )


def exercise_of(context) -> Sandbox:
    """The exercise named by the context's signed cookie."""
    cookie = exercise_cookie(context)
    assert cookie is not None, "the browser has no exercise cookie"
    request = HttpRequest()
    request.COOKIES[cookie["name"]] = cookie["value"]
    value = request.get_signed_cookie(cookie["name"], salt=COOKIE_SALT)
    sandbox_id, _expires = value.split(":")
    return Sandbox.objects.get(pk=int(sandbox_id))


def exercise_start(page) -> Sandbox:
    """*Start en øvelse* on /oevelse/; the browser lands on the portal inside its new exercise."""
    page.goto("/oevelse/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start en øvelse")
    axe_check(page)
    page.get_by_role("main").get_by_role("button", name="Start en øvelse").click()
    expect(page).not_to_have_url(re.compile(r"/oevelse/$"))
    page.wait_for_load_state("load")
    return exercise_of(page.context)


def invite_link(page) -> str:
    """The colleague's invitation link on *Din øvelse* (shown only to the session that made it,
    so read it before the trainee logs in or out)."""
    page.goto("/oevelse/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Din øvelse")
    axe_check(page)
    value = page.get_by_test_id("invite-url").input_value()
    found = INVITE_LINK.search(value)
    assert found, value
    return found.group(0)


def colleague_join(browser, live_server, trainee_page, **options):
    """A second browser (the colleague's phone) joins the trainee's exercise through the
    invitation link: *Deltag i en øvelse*, *Deltag i øvelsen*."""
    phone = new_context(browser, live_server, **options)
    link = invite_link(trainee_page)
    page = phone.new_page()
    page.goto(link)
    expect(page).to_have_url(re.compile(r"/oevelse/deltag/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Deltag i en øvelse")
    axe_check(page)
    page.get_by_role("main").get_by_role("button", name="Deltag i øvelsen").click()
    expect(page).not_to_have_url(re.compile(r"/oevelse/"))
    page.wait_for_load_state("load")
    axe_check(page)
    page.close()
    assert exercise_of(phone) == exercise_of(trainee_page.context)
    return phone
