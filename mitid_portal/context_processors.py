from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

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
    return {
        "portal_name": "MitID Erhverv",
        "signed_in_name": signed_in,
        "main_menu": menu,
        "side_menu": _side_menu(request, user, path),
    }


# The left menu of an organisation's administrators (*venstremenuen*): url name, label, roles
# that see it (None: every user of the organisation), and whether it shows only while there are
# imported users left (G4.7: *Importerede brugere* disappears when all are activated).
SIDE_MENU = [
    ("organisations:setup", _lazy("Opsætning"), {"org_admin"}, False),
    ("users:imported", _lazy("Importerede brugere"), {"org_admin", "user_admin"}, True),
    ("users:list", _lazy("Brugere"), {"org_admin", "user_admin"}, False),
    ("activation:pending", _lazy("Afventer aktivering"), {"org_admin", "user_admin"}, False),
    ("organisations:overview", _lazy("Organisation"), None, False),
    ("organisations:settings", _lazy("Indstillinger"), {"org_admin"}, False),
    ("employee:profile", _lazy("Min profil"), None, False),
    ("organisations:migration_overview", _lazy("Overblik"), {"org_admin", "user_admin"}, False),
    ("organisations:audit_log", _lazy("Revisionslog"), {"org_admin", "user_admin"}, False),
    ("organisations:roles", _lazy("Roller"), {"org_admin"}, False),
    ("organisations:rights", _lazy("Rettigheder"), {"rights_admin", "user_admin"}, False),
    ("organisations:right_requests", _lazy("Anmodninger"), {"rights_admin"}, False),
    ("organisations:powers", _lazy("Fuldmagter"), {"org_admin", "rights_admin"}, False),
    ("users:create", _lazy("Opret bruger"), {"org_admin", "user_admin"}, False),
]


def _side_menu(request, user, path) -> list[dict]:
    if user is None or not user.is_authenticated or not user.organisation_id:
        return []
    from organisations.selectors import roles_of
    from users.selectors import organisation_has_imported_users

    roles = roles_of(user=user)
    items = []
    for name, label, allowed, only_while_imported in SIDE_MENU:
        if allowed is not None and not roles & allowed:
            continue
        if only_while_imported and not organisation_has_imported_users(
            organisation_id=user.organisation_id
        ):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a page not built yet
            continue
        items.append({"url": url, "label": label, "active": False})
    # The page belongs to the item with the longest URL it starts with (/brugere/opret/ is
    # *Opret bruger*, not also *Brugere*).
    matching = [item for item in items if path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return items
