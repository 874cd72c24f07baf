"""Every table in the templates sits in DKFDS's scroll container (issue 13), so a wide table
scrolls inside its box on a phone instead of widening the page; the container is a focusable
region named like the table. Emails (templates/emails/) are not pages."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WRAPPER = re.compile(
    r'<div class="table--responsive-scroll" tabindex="0" role="region" aria-label="[^"]+">\s*'
    r"<table\b"
)


def test_every_table_is_in_the_scroll_container():
    unwrapped = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        relative = path.relative_to(TEMPLATES)
        if relative.parts[0] == "emails":
            continue
        text = path.read_text()
        tables = len(re.findall(r"<table\b", text))
        wrapped = len(WRAPPER.findall(text))
        if tables != wrapped:
            unwrapped.append(f"{relative}: {tables - wrapped} of {tables}")
    assert unwrapped == []
