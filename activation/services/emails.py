"""The activation emails: one builder for the link email, used by the bulk start (rendered once
per variant and filled per user, so 50,000 emails cost three template renders, not 150,000) and
by the single paths (resend, reminder), which render normally through the outbox."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from mitid_portal.emails import email_queue
from mitid_portal.models import OutboundEmail

LINK_TEMPLATE = "activation_link"
REMINDER_TEMPLATE = "activation_reminder"

# Placeholders that survive HTML escaping and the subject's whitespace folding unchanged.
_NAME = "ZZACTIVATIONNAMEZZ"
_LINK = "ZZACTIVATIONLINKZZ"


def activation_link(token: str) -> str:
    return settings.PORTAL_BASE_URL + reverse("employee:link", args=[token])


def _link_prefix_and_suffix() -> tuple[str, str]:
    """The link around its token, reversed once: reverse() per user costs a second at 50,000."""
    marker = "TOKENMARKER"
    url = activation_link(marker)
    prefix, _, suffix = url.partition(marker)
    return prefix, suffix


def _context(*, organisation, name: str, link: str, expires_at, code_required: bool) -> dict:
    return {
        "portal_base_url": settings.PORTAL_BASE_URL,
        "organisation": organisation,
        "user_name": name,
        "link": link,
        "expires_at": expires_at,
        "code_required": code_required,
    }


@dataclass
class _Rendered:
    subject: str
    body_text: str
    body_html: str


class LinkEmailBuilder:
    """Renders the link email once per variant (with or without activation code) with
    placeholders, then fills in each user's name and link: plain text as is, HTML escaped."""

    def __init__(self, *, organisation, expires_at, template: str = LINK_TEMPLATE) -> None:
        self.organisation = organisation
        self.expires_at = expires_at
        self.template = template
        self._variants: dict[bool, _Rendered] = {}
        self._prefix, self._suffix = _link_prefix_and_suffix()

    def _variant(self, code_required: bool) -> _Rendered:
        if code_required not in self._variants:
            context = _context(
                organisation=self.organisation,
                name=_NAME,
                link=_LINK,
                expires_at=self.expires_at,
                code_required=code_required,
            )
            name = f"emails/{self.template}"
            self._variants[code_required] = _Rendered(
                subject=" ".join(render_to_string(f"{name}-subject.txt", context).split()),
                body_text=render_to_string(f"{name}-body.txt", context),
                body_html=render_to_string(f"{name}-body.html", context),
            )
        return self._variants[code_required]

    def row(
        self, *, to: str, name: str, token: str, code_required: bool, event_key: str
    ) -> OutboundEmail:
        variant = self._variant(code_required)
        link = f"{self._prefix}{token}{self._suffix}"
        return OutboundEmail(
            to=to,
            subject=variant.subject.replace(_NAME, name),
            body_text=variant.body_text.replace(_NAME, name).replace(_LINK, link),
            body_html=variant.body_html.replace(_NAME, escape(name)).replace(_LINK, escape(link)),
            event_key=event_key,
        )


def link_email_queue(
    *, invitation, token: str, template: str = LINK_TEMPLATE, event_key: str
) -> OutboundEmail | None:
    """One link email (resend, reminder) through the outbox, once per ``event_key``."""
    user = invitation.user
    return email_queue(
        to=user.email,
        template=template,
        context=_context(
            organisation=invitation.organisation,
            name=user.full_name,
            link=activation_link(token),
            expires_at=invitation.expires_at,
            code_required=bool(invitation.code_hash),
        ),
        event_key=event_key,
    )
