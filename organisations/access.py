"""The one place through which every organisation view is scoped.

``organisation_view(*roles)`` lets a request in only for a signed-in user of an organisation who
holds one of ``roles`` (any role when none are named), and sets ``request.organisation`` and
``request.roles``. Objects are then fetched with ``organisation_object_or_404``, which filters by
that organisation, so another organisation's object is a 404 by construction.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from organisations.selectors import roles_of
from users.models import User


def organisation_view(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.organisation_id is None or user.state in (
                User.State.SUSPENDED,
                User.State.CLOSED,
            ):
                raise PermissionDenied
            granted = roles_of(user=user)
            if roles and not granted & set(roles):
                raise PermissionDenied
            request.organisation = user.organisation
            request.roles = granted
            return view(request, *args, **kwargs)

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
