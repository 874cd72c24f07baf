"""English is the second language: every Danish text on screen has an English translation."""

from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings


def test_the_english_catalogue_is_complete_and_current():
    po_path = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not m.string and not m.fuzzy]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], f"{len(untranslated)} texts lack English: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy translations to check: {fuzzy[:10]}"


def test_the_compiled_catalogue_is_used():
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext("Log på MitID Erhverv") == "Log in to MitID Erhverv"
