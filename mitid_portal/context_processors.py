from django.urls import reverse
from django.utils.translation import gettext as _

from mitid_portal.identity import identity_name


def portal(request):
    """The layout's shared values: the portal's name, who is signed in, and the main menu."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        signed_in = user.full_name or user.get_username()
    else:
        signed_in = identity_name(request)
    path = request.path
    items = [(reverse("portal:home"), _("Forside"))]
    if user is not None and user.is_authenticated and user.organisation_id:
        items.append((reverse("organisations:overview"), _("Organisation")))
    else:
        items.append((reverse("organisations:connect_start"), _("Tilslut organisation")))
    items += [
        (reverse("portal:help"), _("Hjælp")),
        (reverse("simulators:index"), _("Simulatorer")),
    ]
    menu = [
        {
            "url": url,
            "label": label,
            "active": path == url if url == "/" else path.startswith(url),
        }
        for url, label in items
    ]
    return {"portal_name": "MitID Erhverv", "signed_in_name": signed_in, "main_menu": menu}
