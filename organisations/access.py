"""The one place through which every organisation view is scoped.

``organisation_view(*roles)`` lets a request in only for a signed-in user of an organisation who
holds one of ``roles`` (any role when none are named), and sets ``request.organisation`` and
``request.roles``. Objects are then fetched with ``organisation_object_or_404``, which filters by
that organisation, so another organisation's object is a 404 by construction.

A refusal is audited here too, for every view at once: when a signed-in user of an organisation
is refused – for a missing role, or by the view or a service it calls raising ``PermissionDenied``
– one ``permission_denied`` event names the view, the method and the path (G8.1: "a rights
administrator who tries a user administrator's act … an audit event"). A service that records its
own refusal (``actor_require_role``) marks the exception ``audited`` and is not recorded twice.
Anonymous visitors go to the login and people without an organisation are refused, neither
recorded: they are nobody's administrators.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from mitid_portal.audit import audit_record
from mitid_portal.cpr_search import path_without_cpr
from mitid_portal.identity import BLOCKED_STATES
from organisations.models import RoleGrant
from organisations.selectors import roles_of

# The roles an organisation administrator may give herself on *Roller* (G8.1): refused a page
# for lack of one, she is told so on the 403 page instead of meeting a dead end.
SELF_GRANTABLE = (RoleGrant.Role.USER_ADMIN, RoleGrant.Role.RIGHTS_ADMIN)


def refusal_record(request: HttpRequest, *, view_name: str, refusal: PermissionDenied) -> None:
    """Record that the signed-in user of an organisation was refused ``view_name`` (once: the
    refusal is marked, so an outer check does not record it again)."""
    user = request.user
    if getattr(refusal, "audited", False):
        return
    if not user.is_authenticated or user.organisation_id is None:
        return
    audit_record(
        action="permission_denied",
        actor_name=(user.full_name or user.get_username() or "?")[:200],
        actor_user=user,
        organisation=user.organisation,
        target=request.path[:300],
        changes={"handling": view_name, "metode": request.method},
        request=request,
    )
    refusal.audited = True  # type: ignore[attr-defined]  # a mark on the exception, read above


def organisation_view(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(path_without_cpr(request))
            try:
                if user.organisation_id is None or user.state in BLOCKED_STATES:
                    raise PermissionDenied
                granted = roles_of(user=user)
                if roles and not granted & set(roles):
                    if RoleGrant.Role.ORGANISATION_ADMIN in granted:
                        request.self_grantable_roles = [
                            RoleGrant.Role(role).label for role in roles if role in SELF_GRANTABLE
                        ]
                    raise PermissionDenied
                request.organisation = user.organisation
                request.roles = granted
                return view(request, *args, **kwargs)
            except PermissionDenied as refusal:
                refusal_record(request, view_name=view.__name__, refusal=refusal)
                raise

        wrapper.organisation_roles = roles  # read by the permission-matrix test
        return wrapper

    return decorator


def organisation_object_or_404(request, model_or_queryset: type[Model] | QuerySet, **lookup):
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return get_object_or_404(queryset.filter(organisation=request.organisation), **lookup)
