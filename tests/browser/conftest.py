"""Playwright in Debian's Chromium against pytest-django's live server, with an axe-core check.

Every page a browser test visits is checked with ``axe_check(page)``; a serious or critical
violation fails the test.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself are
# still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is needed for the browser tests: {CHROMIUM} (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    # bypass_csp lets the test inject axe-core; the pages themselves keep their strict CSP.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, locale="da-DK")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def axe_check(page, *, impacts=("serious", "critical")) -> None:
    """Run axe-core on the page; fail on any violation of the given impacts."""
    # A click's navigation may still be committing the next document (no <head> yet).
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v for v in result["violations"] if v.get("impact") in impacts]
    if bad:
        lines = [
            f"{v['impact']}: {v['id']} – {v['help']} ({len(v['nodes'])}×: "
            f"{v['nodes'][0]['target']})"
            for v in bad
        ]
        pytest.fail(f"axe found problems on {page.url}:\n" + "\n".join(lines))


def broker_approve(context, page, username: str) -> None:
    """On the simulated broker's *Log ind med MitID*: the user name, *MitID app*, *Fortsæt*, then
    *Godkend* in the app on a second page (the phone)."""
    from playwright.sync_api import expect

    page.get_by_label("Bruger-ID").fill(username)
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt", exact=True).click()
    phone = context.new_page()
    phone.goto(f"/simulator/mitid/app/{username}/")
    phone.get_by_role("button", name="Godkend").click()
    expect(phone.get_by_text("Du har godkendt login.")).to_be_visible()
    phone.close()


def log_in(context, page, username: str, next_url: str) -> None:
    """Log in to the portal as ``username`` through the broker and land on ``next_url``."""
    import re

    from playwright.sync_api import expect

    page.goto(f"/log-paa/?next={next_url}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    broker_approve(context, page, username)
    expect(page.get_by_test_id("signed-in")).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


@pytest.fixture
def exercise(settings, mailbox_backend, page):
    """Hosted (``SANDBOXES`` on, see tests/browser/hosted.py): ``page`` starts a fresh exercise
    with *Start en øvelse*, so ``context`` carries its cookie; returns the exercise (Sandbox)."""
    from tests.browser.hosted import exercise_start

    settings.SANDBOXES = True
    return exercise_start(page)
