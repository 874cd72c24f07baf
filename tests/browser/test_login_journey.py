"""A person logs in through the simulated private MitID with app approval (G3.3, G3.4)."""

import re

import pytest
from playwright.sync_api import expect

from simulators.mitid.models import Device
from tests.browser.conftest import axe_check
from tests.factories import DeviceFactory, MitIDAccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_person_logs_in_with_app_approval_and_sees_the_front_page(context, page):
    account = MitIDAccountFactory(username="hanne.demo")
    DeviceFactory(account=account, kind=Device.Kind.APP)

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen til MitID Erhverv")
    axe_check(page)

    page.get_by_role("main").get_by_role("link", name="Log på MitID Erhverv").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log ind med MitID")
    axe_check(page)
    page.get_by_label("Bruger-ID").fill("hanne.demo")
    page.get_by_label("MitID app").check()
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkend i MitID app")
    axe_check(page)

    phone = context.new_page()
    phone.goto("/simulator/mitid/app/hanne.demo/")
    expect(phone.get_by_text("Log ind hos MitID Erhverv?")).to_be_visible()
    axe_check(phone)
    phone.get_by_role("button", name="Godkend").click()
    expect(phone.get_by_text("Du har godkendt login.")).to_be_visible()
    axe_check(phone)

    # The waiting page notices the approval by itself (htmx polling) and returns to the portal.
    expect(page).to_have_url(re.compile(r"/$"), timeout=15_000)
    expect(page.get_by_test_id("signed-in")).to_contain_text(account.person.full_name)
    expect(page.get_by_text("Du er logget ind med dit private MitID")).to_be_visible()
    axe_check(page)


def test_a_denied_approval_does_not_log_in(context, page):
    MitIDAccountFactory(username="kim.demo")
    page.goto("/log-paa/")
    page.get_by_label("Bruger-ID").fill("kim.demo")
    page.get_by_role("button", name="Fortsæt").click()

    phone = context.new_page()
    phone.goto("/simulator/mitid/app/kim.demo/")
    phone.get_by_role("button", name="Afvis").click()

    expect(page.get_by_text("Login blev afvist. Du er ikke logget ind.")).to_be_visible(
        timeout=15_000
    )
    axe_check(page)
    page.goto("/")
    expect(page.get_by_test_id("signed-in")).to_have_count(0)


def test_the_axe_check_fails_on_an_inaccessible_page(page):
    page.set_content(
        "<html lang='da'><head><title>x</title></head><body><main>"
        "<input type='text'><img src='x.png'></main></body></html>"
    )
    with pytest.raises(pytest.fail.Exception, match="critical: (image-alt|label)"):
        axe_check(page)
