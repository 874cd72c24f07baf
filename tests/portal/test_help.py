"""*Hjælp* with pictures (G8.4): a section for each of the guide's sections with a screenshot of the
portal's own page in the reader's language (taken by ``make screenshots``, docs/screenshots.py),
a meaningful alt text, and the explanation; every picture it shows exists in static/, small."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from mitid_portal.views import HELP_LANGUAGES, HELP_SECTIONS, help_images

ROOT = Path(settings.BASE_DIR)
MAX_BYTES = 150 * 1024


def _images(html: str) -> list[tuple[str, str]]:
    """(src, alt) of every <img> of the page's main content."""
    main = html[html.index("<main") : html.index("</main>")]
    found = []
    for tag in re.findall(r"<img\b[^>]*>", main, flags=re.S):
        src = re.search(r'\bsrc="([^"]*)"', tag)
        alt = re.search(r'\balt="([^"]*)"', tag)
        found.append((src.group(1) if src else "", alt.group(1) if alt else ""))
    return found


def _static_path(src: str) -> str:
    assert src.startswith(settings.STATIC_URL), src
    return src.removeprefix(settings.STATIC_URL)


@pytest.mark.django_db
@pytest.mark.parametrize("language", HELP_LANGUAGES)
def test_help_shows_a_picture_from_static_for_every_section_in_the_readers_language(
    client, language
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("portal:help"))
    assert response.status_code == 200
    html = response.content.decode()
    images = _images(html)
    assert len(images) == len(HELP_SECTIONS)
    expected = {static(path) for path in help_images(language).values()}
    assert {src for src, _alt in images} == expected
    for src, alt in images:
        path = _static_path(src)
        assert path.startswith(f"help/{language}/"), src
        assert finders.find(path), f"{path} is not in static/ (make screenshots)"
        # A meaningful alt text: a sentence, not a file name, no guide-step id.
        assert len(alt) > 20 and ".webp" not in alt and not re.search(r"\bG\d", alt), alt
    for section in HELP_SECTIONS:
        assert f'id="{section}"' in html


@pytest.mark.django_db
def test_the_english_page_is_in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("portal:help")).content.decode()
    assert "Clean up NemID employee signature" in html
    assert "Activate the users" in html
    assert 'alt="The list of imported users with every user selected for activation"' in html
    assert "Ryd op i NemID medarbejdersignatur" not in html


def test_every_picture_exists_for_both_languages_and_is_small():
    for language in HELP_LANGUAGES:
        for path in help_images(language).values():
            file = ROOT / "static" / path
            assert file.is_file(), f"{file} is missing (make screenshots)"
            data = file.read_bytes()
            assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", file
            assert len(data) <= MAX_BYTES, f"{file}: {len(data)} bytes"


def test_an_unknown_language_falls_back_to_the_danish_pictures():
    assert help_images("de") == help_images("da")
    assert help_images("da")["import"] == "help/da/import.webp"


def test_the_screenshot_script_takes_the_sections_that_help_shows():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "docs" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert tuple(module.SECTIONS) == HELP_SECTIONS
    assert tuple(module.LANGUAGES) == HELP_LANGUAGES
    assert module.OUT == ROOT / "static" / "help"


def test_make_screenshots_runs_the_script():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r"^screenshots: setup chromium\n\t\$\(PY\) docs/screenshots.py$", makefile, re.M
    )
    assert re.search(r"^\.PHONY:.*\bscreenshots\b", makefile, re.M)
