"""The person signed in through MitID, kept in the session.

A person who logs in with private MitID is known to the portal by their identity even when they are
not (yet) a user of any organisation: the owner who connects an organisation acts as a person. When
the person is also a MitID Erhverv user, Django's login is used on top of this.
"""

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto
from mitid_portal.outside import Identity

# The session keys of the private MitID login, named once here for every app that reads them.
SESSION_KEY = "mitid_identity"  # the person signed in (identity_session_data)
LOGIN_STATE_SESSION_KEY = "mitid_login_state"  # the broker round trip's state parameter
LOGIN_NEXT_SESSION_KEY = "mitid_login_next"  # where to go after the login
LOGIN_MEANS_SESSION_KEY = "mitid_login_means"  # the means this session's login was made with


class UserState(models.TextChoices):
    """The states of a MitID Erhverv user (DESIGN.md: imported → awaiting activation → active ⇄
    suspended → closed). The vocabulary lives in the kernel so that every layer can name a state;
    which moves between them are allowed is ``users.services.lifecycle``'s transition table."""

    IMPORTED = "imported", _("Ikke aktiveret")
    AWAITING = "awaiting", _("Afventer aktivering")
    ACTIVE = "active", _("Aktiv")
    SUSPENDED = "suspended", _("Suspenderet")
    CLOSED = "closed", _("Lukket")


# A user in one of these states cannot work in the portal (log in, administer, hold rights).
BLOCKED_STATES = (UserState.SUSPENDED, UserState.CLOSED)

# The type of a portal user (settings.AUTH_USER_MODEL) for the layers below the app that defines
# it, which must not import it: django-stubs' mypy plugin expands its private ``_User`` alias to
# the configured user model. At run time the name is only an annotation, AbstractBaseUser.
if TYPE_CHECKING:
    from django.contrib.auth.models import _User as PortalUser
else:
    PortalUser = AbstractBaseUser


def identity_session_data(identity: Identity) -> dict:
    """What the session keeps of a person signed in with private MitID."""
    return {
        # The CPR enters the session store only encrypted; the keyed hash finds the person again.
        "cpr_hash": crypto.cpr_hash(identity.cpr),
        "cpr_encrypted": crypto.encrypt(identity.cpr),
        "first_name": identity.first_name,
        "last_name": identity.last_name,
        "birth_date": identity.birth_date.isoformat(),
    }


def identity_store(request: HttpRequest, identity: Identity) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = identity_session_data(identity)


def identity_get(request: HttpRequest) -> dict | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    return {**data, "birth_date": datetime.date.fromisoformat(data["birth_date"])}


def identity_current(request: HttpRequest) -> Identity | None:
    """The person signed in with private MitID in this session, with the CPR decrypted."""
    data = identity_get(request)
    if data is None:
        return None
    return Identity(
        cpr=crypto.decrypt(data["cpr_encrypted"]),
        first_name=data["first_name"],
        last_name=data["last_name"],
        birth_date=data["birth_date"],
    )


def identity_cpr(request: HttpRequest) -> str | None:
    """The signed-in person's CPR, decrypted for a call to a register; never shown or logged."""
    data = request.session.get(SESSION_KEY)
    return crypto.decrypt(data["cpr_encrypted"]) if data else None


def identity_name(request: HttpRequest) -> str:
    data = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not data:
        return ""
    return f"{data['first_name']} {data['last_name']}"
