"""Logging in to MitID Erhverv: the one ``portal_login`` that every way of logging in goes
through (the private MitID login on the front page, the separate MitID, the setup link of an
organisation administrator), and the login history of *Min profil*."""

from django.contrib.auth import login, logout
from django.db import transaction
from django.http import HttpRequest

from activation.models import LoginEvent
from mitid_portal.audit import client_ip
from mitid_portal.identity import LOGIN_MEANS_SESSION_KEY, SESSION_KEY, identity_session_data
from mitid_portal.outside import Identity
from users.models import User

BACKEND = "django.contrib.auth.backends.ModelBackend"


@transaction.atomic
def login_event_record(*, user: User, means: str, request: HttpRequest | None = None) -> LoginEvent:
    """One login to MitID Erhverv, shown in the login history of *Min profil*. ``means`` is a
    ``BoundMeans.Kind`` value (``"private"`` for the portal's private MitID login)."""
    event = LoginEvent(user=user, means=means, ip_address=client_ip(request) or None)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def portal_login(
    request: HttpRequest, *, user: User, means: str, identity: Identity | None = None
) -> LoginEvent:
    """Sign ``user`` in with ``means`` (a ``BoundMeans.Kind`` value) and record the login.

    The session is rotated (a new key; the session of another signed-in user is emptied first,
    so nothing of theirs carries over). The private MitID identity of the session becomes
    ``identity`` when the login proved one; otherwise the identity the session held is kept,
    unless it belonged to the session of another user."""
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    kept = request.session.get(SESSION_KEY)
    # Django's login always gives the session a new key (cycle_key) or, for another user's
    # session, a new empty session (flush; the logout above already did that).
    login(request, user, backend=BACKEND)
    if identity is not None:
        request.session[SESSION_KEY] = identity_session_data(identity)
    elif kept:
        request.session[SESSION_KEY] = kept
    # The login broker tells services the level of assurance of the means of this very login.
    request.session[LOGIN_MEANS_SESSION_KEY] = means
    return login_event_record(user=user, means=means, request=request)
