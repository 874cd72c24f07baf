"""The portal's own pages: the front page and help (logging in is activation's, in
activation/login_views.py)."""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from mitid_portal.identity import identity_get


@require_GET
def home(request):
    """MitID Erhverv's front page (G3.2): what the portal is, and *Log på* (G3.3)."""
    return render(request, "portal/home.html", {"identity": identity_get(request)})


# The guide's sections on *Hjælp*, each with its picture: static/help/<language>/<section>.webp,
# taken from the real pages by ``make screenshots`` (docs/screenshots.py names the same sections).
HELP_SECTIONS = (
    "nemid-oprydning",
    "tilslutning",
    "opsaetning",
    "import",
    "aktivering",
    "medarbejder",
    "log-paa",
    "roller",
)
HELP_LANGUAGES = ("da", "en")


def help_images(language: str) -> dict[str, str]:
    """Each section's picture (a static path) in ``language``'s folder, Danish otherwise."""
    folder = language if language in HELP_LANGUAGES else "da"
    return {key.replace("-", "_"): f"help/{folder}/{key}.webp" for key in HELP_SECTIONS}


@require_GET
def help_page(request):
    """The guide's sections with pictures of the portal's own pages and explanations, support,
    and the three administrator roles (G1–G8, G8.4)."""
    return render(
        request,
        "portal/help.html",
        {"images": help_images(translation.get_language() or "da")},
    )
