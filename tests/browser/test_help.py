"""*Hjælp* shows its pictures (G8.4): in Danish and English, on a desktop and a phone, every
screenshot of the guide's sections loads (from static/help/<language>/), the page is no wider than
the screen, and axe finds nothing serious."""

import pytest
from playwright.sync_api import expect

from mitid_portal.views import HELP_SECTIONS
from tests.browser.conftest import axe_check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["da", "en"])
def test_help_shows_every_picture_at_desktop_and_phone_width(context, page, live_server, language):
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        # Eight pictures on a shared test machine: more time than a page of text needs.
        page.goto("/hjaelp/", wait_until="domcontentloaded", timeout=30_000)
        images = page.get_by_role("main").locator("img")
        expect(images).to_have_count(len(HELP_SECTIONS))
        for i in range(len(HELP_SECTIONS)):
            image = images.nth(i)
            image.scroll_into_view_if_needed()
            expect(image).to_have_attribute(
                "src", f"/static/help/{language}/{HELP_SECTIONS[i]}.webp"
            )
            page.wait_for_function(
                "image => image.complete && image.naturalWidth > 0", arg=image.element_handle()
            )
            box = image.bounding_box()
            assert box and box["width"] <= width, (width, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        axe_check(page)
