"""The emails of users: one function per email (STYLE.md "Emails"), each owning its three
templates (``templates/emails/<name>-subject.txt``, ``-body.txt``, ``-body.html``) and building
their context; queued through the kernel's outbox (``mitid_portal.emails``) in the caller's
transaction. The templates are written in Danish and render in the recipient's language.
"""

from django.conf import settings
from django.urls import reverse

from mitid_portal.emails import email_queue
from mitid_portal.models import OutboundEmail
from users.models import User


def email_confirm_link(token: str) -> str:
    """The absolute link that confirms a new email address."""
    return settings.PORTAL_BASE_URL + reverse("users:email_confirm_link", args=[token])


def user_email_confirm(*, to: str, user: User, token: str) -> OutboundEmail | None:
    """An administrator changed the email address of an activated user (*Redigér* on
    *Brugerinformation*): the new address ``to`` gets a link that confirms it, valid until
    ``user.pending_email_expires_at`` (7 days); the address changes only when it is confirmed."""
    return email_queue(
        to=to,
        template="user_email_confirm",
        language=user.language,
        context={
            "user_name": user.full_name,
            "organisation": user.organisation,
            "link": email_confirm_link(token),
            "expires_at": user.pending_email_expires_at,
        },
    )
