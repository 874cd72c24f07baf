"""The portal's own pages: the front page and help (logging in is activation's, in
activation/login_views.py)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from mitid_portal.identity import identity_get


@require_GET
def home(request):
    """MitID Erhverv's front page (G3.2): what the portal is, and *Log på* (G3.3)."""
    return render(request, "portal/home.html", {"identity": identity_get(request)})


@require_GET
def help_page(request):
    """Support and the three administrator roles (G8.1–G8.4)."""
    return render(request, "portal/help.html")
