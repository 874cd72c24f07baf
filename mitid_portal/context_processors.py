from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from mitid_portal.identity import identity_name
from mitid_portal.registry import menu_items, user_roles


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
    return {
        "portal_name": "MitID Erhverv",
        "signed_in_name": signed_in,
        "main_menu": menu,
        "side_menu": _side_menu(request, user, path),
    }


def _side_menu(request, user, path) -> list[dict]:
    """The left menu of an organisation's administrators (*venstremenuen*): the items the apps
    registered (``mitid_portal.registry``), each shown to the roles it names and while its
    condition holds."""
    if user is None or not user.is_authenticated or not user.organisation_id:
        return []
    roles = user_roles(user=user)
    items: list[dict[str, Any]] = []
    for item in menu_items():
        if item.roles is not None and not roles & item.roles:
            continue
        if item.condition is not None and not item.condition(organisation_id=user.organisation_id):
            continue
        items.append({"url": reverse(item.url_name), "label": item.label, "active": False})
    # The page belongs to the item with the longest URL it starts with (/brugere/opret/ is
    # *Opret bruger*, not also *Brugere*).
    matching = [item for item in items if path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return items
