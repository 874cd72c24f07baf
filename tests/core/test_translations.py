"""English is the second language: every Danish text on screen, in emails and in SMS has an
English translation. The catalogue is kept by hand (blocks appended to the .po, no
makemessages); these tests find what the code and templates mark for translation (as
makemessages would: Django's ``templatize`` for templates, Babel's Python extractor) and fail on
any text without an English entry, on empty or fuzzy entries, and on a text entered twice."""

import io
import re
from collections import Counter
from pathlib import Path

from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
PO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
APPS = ("mitid_portal", "organisations", "users", "activation", "broker", "idm", "simulators")
# The names the code imports Django's translation functions under.
KEYWORDS = {
    "_": None,
    "_lazy": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _catalog():
    with PO_PATH.open("rb") as fh:
        return read_po(fh)


def _python_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, path.read_bytes()


def _template_sources():
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt"):
            code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            # templatize writes each string on one line (repr), so the indentation it keeps from
            # the template can go: Python's tokenizer would stumble on it.
            yield path, "\n".join(line.lstrip() for line in code.split("\n")).encode()


def _marked_texts():
    """(where, msgid, context) of every text marked for translation."""
    for path, source in [*_python_sources(), *_template_sources()]:
        for line, message, _comments, context in extract(
            "python", io.BytesIO(source), keywords=KEYWORDS
        ):
            msgid = message if isinstance(message, str) else message[0]
            if msgid:
                yield f"{path.relative_to(ROOT)}:{line}", msgid, context


def test_the_english_catalogue_is_complete_and_current():
    catalog = _catalog()
    untranslated = [
        m.id
        for m in catalog
        if m.id
        and not m.fuzzy
        and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], f"{len(untranslated)} texts lack English: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy translations to check: {fuzzy[:10]}"


def test_every_text_marked_for_translation_has_an_english_entry():
    catalog = _catalog()
    missing = []
    for where, msgid, context in _marked_texts():
        entry = catalog.get(msgid, context=context)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"{where}: {msgid!r}")
    assert missing == [], f"{len(missing)} texts without English:\n" + "\n".join(missing[:40])


def _po_keys():
    """(msgctxt, msgid) of every entry of the .po as written (Babel merges duplicates): the
    entries are separated by blank lines, a value may go on over "…" lines."""
    keys = []
    for chunk in re.split(r"\n\s*\n", PO_PATH.read_text(encoding="utf-8")):
        values: dict[str, str] = {}
        field = None
        for line in chunk.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                field = match.group(1)
                values[field] = match.group(2)
            elif line.startswith('"') and field:
                values[field] += line[1:-1]
        if values.get("msgid"):
            keys.append((values.get("msgctxt"), values["msgid"]))
    return keys


def test_no_text_is_entered_twice():
    counts = Counter(_po_keys())
    twice = [msgid for (_context, msgid), n in counts.items() if n > 1]
    assert twice == [], f"entered more than once in {PO_PATH.name}: {twice[:10]}"


def test_the_compiled_catalogue_is_used():
    with translation.override("en"):
        assert translation.gettext("Log på MitID Erhverv") == "Log in to MitID Erhverv"
