import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from mitid_portal.cpr_search import path_without_cpr
from mitid_portal.identity import identity_name
from mitid_portal.registry import menu_items, user_roles
from mitid_portal.sandbox import NO_SANDBOX_ID
from mitid_portal.sandbox_middleware import COOKIE_SALT


def portal(request):
    """The layout's shared values: the portal's name, who is signed in, and the main menu."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        signed_in = user.full_name or user.get_username()
    else:
        signed_in = identity_name(request)
    path = request.path
    side_menu = _side_menu(request, user, path)
    items = [(reverse("portal:home"), _("Forside"))]
    if user is not None and user.is_authenticated and user.organisation_id:
        items.append((reverse("organisations:overview"), _("Organisation")))
    else:
        items.append((reverse("organisations:connect_start"), _("Tilslut organisation")))
    items += [
        (reverse("portal:help"), _("Hjælp")),
        (reverse("simulators:index"), _("Simulatorer")),
    ]
    overview_url = reverse("organisations:overview")
    menu = []
    for url, label in items:
        # *current*: the item's own page; *active*: the page lies in the item's section (the
        # administrators' pages under /brugere/ and /aktivering/ belong to *Organisation*).
        current = path == url
        active = current if url == "/" else path.startswith(url)
        if url == overview_url and any(item["active"] for item in side_menu):
            active = True
        # On a phone, the drawer shows the side menu as *Organisation*'s submenu.
        submenu = side_menu if url == overview_url else []
        menu.append(
            {"url": url, "label": label, "active": active, "current": current, "submenu": submenu}
        )
    return {
        "portal_name": "MitID Erhverv",
        "signed_in_name": signed_in,
        "main_menu": menu,
        "side_menu": side_menu,
        # Where the language switch returns to: this page, unless it answers a POST (a
        # confirmation page), which a GET after the switch could not open; then the page the POST
        # came from (Django's set_language accepts only this site's addresses, else the front page).
        "language_next": path_without_cpr(request)
        if request.method == "GET"
        else request.META.get("HTTP_REFERER", "/"),
        **_sandbox(request),
    }


def _side_menu(request, user, path) -> list[dict]:
    """The left menu of an organisation's administrators (*venstremenuen*): the items the apps
    registered (``mitid_portal.registry``), each shown to the roles it names and while its
    condition holds."""
    if user is None or not user.is_authenticated or not user.organisation_id:
        return []
    roles = user_roles(user=user)
    registered: list[tuple[str, Any, bool]] = []
    for item in menu_items():
        shown = (item.roles is None or bool(roles & item.roles)) and (
            item.condition is None or item.condition(organisation_id=user.organisation_id)
        )
        registered.append((reverse(item.url_name), item.label, shown))
    # The page belongs to the registered item with the longest URL it starts with (/brugere/opret/
    # is *Opret bruger*, not also *Brugere*), shown or not: Rettigheder, opened by someone whose
    # menu lacks it, marks no item rather than *Organisation* (/organisation/).
    matching = [url for url, _label, _shown in registered if path.startswith(url)]
    page_url = max(matching, key=len) if matching else None
    return [
        {"url": url, "label": label, "active": url == page_url, "current": url == path}
        for url, label, shown in registered
        if shown
    ]


def _sandbox(request) -> dict[str, Any]:
    """Hosted, the header's *Øvelse · udløber <dato> · Din øvelse*: the expiry is read from the
    exercise's signed cookie (which the middleware has checked), so no page pays a query. The key
    is always there (None: no banner), as a missing variable is logged with the whole context."""
    sandbox_id = getattr(request, "sandbox_id", None)
    if not settings.SANDBOXES or sandbox_id in (None, NO_SANDBOX_ID):
        return {"sandbox_expires_at": None}
    try:
        value = str(request.get_signed_cookie(settings.SANDBOX_COOKIE_NAME, salt=COOKIE_SALT))
        expires_at = int(value.split(":")[1])
    except (KeyError, IndexError, signing.BadSignature, ValueError):
        return {"sandbox_expires_at": None}
    return {"sandbox_expires_at": datetime.datetime.fromtimestamp(expires_at, tz=datetime.UTC)}
