"""The words of the separate-MitID pages and the employee's login (issue 13): they say what to do,
not what the screen does next ("Vælg knappen Næste. Siden … åbner."), and a means keeps its name
("MitID kodeviser", never "mitid kodeviser")."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.separate.factories import invitation_create, session_start
from tests.separate.helpers import walk_to_activation_start

pytestmark = pytest.mark.django_db

NARRATION = re.compile(r"Vælg knappen|Siden [^.\"]* åbner|, åbner MitID-login")
TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize("folder", ["separate", "employee", "mitid", "nemid"])
def test_no_page_narrates_the_screen(folder):
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in sorted((TEMPLATES / folder).glob("*.html"))
        for match in NARRATION.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_pattern_finds_narration():
    assert NARRATION.search("Vælg knappen Næste. Siden Indtast mobilnummer åbner.")
    assert not NARRATION.search("Indtast dit mobilnummer.")


def test_the_means_keeps_its_name_on_start_activation(client):
    invitation, _token = invitation_create(means=["kodeviser"])
    session_start(client, invitation)
    walk_to_activation_start(client)
    html = client.get(reverse("separate:activation_start")).content.decode()
    assert "Du har fået en MitID kodeviser fra din organisation" in html
    assert "mitid kodeviser" not in html


def test_the_steps_still_say_what_to_do(client):
    invitation, _token = invitation_create(means=["kodeviser"])
    session_start(client, invitation)
    client.post(reverse("separate:start"), {"kind": "kodeviser"})
    physical = client.get(reverse("separate:physical")).content.decode()
    assert "Kontrollér, at du har det fysiske identifikationsmiddel ved hånden." in physical
    assert "Vælg knappen" not in physical
