"""The emails of activation: the activation link and its reminder (G4.2–G4.5, G5.6), and the
receipts for an identification means added (G6.7, G7.10) or removed (*Min profil*).

One function per email (STYLE.md "Emails"). Each owns its three templates,
``templates/emails/<name>-subject.txt``, ``-body.txt`` and ``-body.html``, builds their context
from its arguments, and queues the email through the kernel's outbox
(``mitid_portal.emails``) in the caller's transaction; an ``event_key`` makes it at most once per
event. The templates are written in Danish and render in the recipient's language
(``User.language``).

The bulk start renders the link email once per variant and fills in each user
(``activation.services.emails.LinkEmailBuilder``) from the same template and ``link_context``.
"""

import datetime

from django.conf import settings
from django.urls import reverse

from activation.models import BoundMeans, Invitation
from mitid_portal.emails import email_queue
from mitid_portal.models import OutboundEmail
from organisations.models import Organisation
from users.models import User

LINK_TEMPLATE = "activation_link"
REMINDER_TEMPLATE = "activation_reminder"


def activation_url(token: str) -> str:
    """The absolute activation link of a token (the employee's journey starts there)."""
    return settings.PORTAL_BASE_URL + reverse("employee:link", args=[token])


def link_context(
    *,
    organisation: Organisation,
    name: str,
    link: str,
    expires_at: datetime.datetime,
    code_required: bool,
) -> dict[str, object]:
    """The context of the link and reminder templates (shared with the bulk builder)."""
    return {
        "portal_base_url": settings.PORTAL_BASE_URL,
        "organisation": organisation,
        "user_name": name,
        "link": link,
        "expires_at": expires_at,
        "code_required": code_required,
    }


def _invitation_context(*, invitation: Invitation, token: str) -> dict[str, object]:
    return link_context(
        organisation=invitation.organisation,
        name=invitation.user.full_name,
        link=activation_url(token),
        expires_at=invitation.expires_at,
        code_required=bool(invitation.code_hash),
    )


def activation_link(*, invitation: Invitation, token: str, event_key: str) -> OutboundEmail | None:
    """The activation link of one live invitation, sent to its user (*Send nyt link*; the bulk
    start, G4.2–G4.5, sends the same email through ``LinkEmailBuilder``): valid 30 days, and
    saying whether a temporary activation code is needed too."""
    return email_queue(
        to=invitation.user.email,
        template=LINK_TEMPLATE,
        context=_invitation_context(invitation=invitation, token=token),
        language=invitation.user.language,
        event_key=event_key,
    )


def activation_reminder(
    *, invitation: Invitation, token: str, event_key: str
) -> OutboundEmail | None:
    """The reminder before an unused activation link expires, with a new link that replaces the
    old one (``activation_reminders_send``)."""
    return email_queue(
        to=invitation.user.email,
        template=REMINDER_TEMPLATE,
        context=_invitation_context(invitation=invitation, token=token),
        language=invitation.user.language,
        event_key=event_key,
    )


def means_added(
    *,
    to: str,
    user: User,
    organisation: Organisation,
    kind: BoundMeans.Kind,
    bound_at: datetime.datetime,
    event_key: str,
) -> OutboundEmail | None:
    """The user activated with private MitID (G6.7): they are told which means was added and
    when, and to call their user administrator if it was not them."""
    return email_queue(
        to=to,
        template="means_added",
        language=user.language,
        context={
            "user_name": user.full_name,
            "organisation": organisation,
            "means": BoundMeans.Kind(kind).label,  # lazy: in the recipient's language
            "bound_at": bound_at,
        },
        event_key=event_key,
    )


def means_removed(
    *, to: str, user: User, binding: BoundMeans, event_key: str
) -> OutboundEmail | None:
    """The user removed one of their means under *Min profil*: they are told which and when
    (``binding.removed_at``), and to call their user administrator if it was not them."""
    return email_queue(
        to=to,
        template="means_removed",
        language=user.language,
        context={
            "user_name": user.full_name,
            "organisation": user.organisation,
            "means": BoundMeans.Kind(binding.kind).label,
            "removed_at": binding.removed_at,
        },
        event_key=event_key,
    )


def separate_means_added(
    *, to: str, user: User, organisation: Organisation, binding: BoundMeans, event_key: str
) -> OutboundEmail | None:
    """*Kvittering* of the activation with a separate MitID (G7.10): the user is told which
    device (kind and serial number) was bound to them and when."""
    return email_queue(
        to=to,
        template="separate_means_added",
        language=user.language,
        context={
            "user_name": user.full_name,
            "organisation": organisation,
            "means": BoundMeans.Kind(binding.kind).label,
            "serial": binding.device_serial,
            "bound_at": binding.bound_at,
        },
        event_key=event_key,
    )
