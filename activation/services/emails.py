"""The bulk start's builder of the link email: rendered once per variant and filled per user, so
50,000 emails cost three template renders, not 150,000. It renders the same templates with the
same context as the single email, ``activation.emails.activation_link`` (resend), which renders
normally through the outbox."""

from dataclasses import dataclass
from html import escape

from django.conf import settings

from activation.emails import LINK_TEMPLATE, activation_url, link_context
from mitid_portal.emails import email_render
from mitid_portal.models import OutboundEmail

# Placeholders that survive HTML escaping and the subject's whitespace folding unchanged.
_NAME = "ZZACTIVATIONNAMEZZ"
_LINK = "ZZACTIVATIONLINKZZ"


def _link_prefix_and_suffix() -> tuple[str, str]:
    """The link around its token, reversed once: reverse() per user costs a second at 50,000."""
    marker = "TOKENMARKER"
    url = activation_url(marker)
    prefix, _, suffix = url.partition(marker)
    return prefix, suffix


@dataclass
class _Rendered:
    subject: str
    body_text: str
    body_html: str


class LinkEmailBuilder:
    """Renders the link email once per variant (with or without activation code, in each
    recipient language) with placeholders, then fills in each user's name and link: plain text as
    is, HTML escaped (``html.escape``, which is what Django's ``escape`` does, without its lazy
    wrapper's cost per call)."""

    def __init__(self, *, organisation, expires_at, template: str = LINK_TEMPLATE) -> None:
        self.organisation = organisation
        self.expires_at = expires_at
        self.template = template
        self._variants: dict[tuple[bool, str], _Rendered] = {}
        self._prefix, self._suffix = _link_prefix_and_suffix()

    def _variant(self, code_required: bool, language: str) -> _Rendered:
        key = (code_required, language)
        if key not in self._variants:
            context = link_context(
                organisation=self.organisation,
                name=_NAME,
                link=_LINK,
                expires_at=self.expires_at,
                code_required=code_required,
            )
            self._variants[key] = _Rendered(
                *email_render(self.template, context, language=language)
            )
        return self._variants[key]

    def values(
        self,
        *,
        to: str,
        name: str,
        token: str,
        code_required: bool,
        event_key: str,
        language: str = settings.LANGUAGE_CODE,
    ) -> tuple[str, str, str, str, str]:
        """The email of one user as the outbox's row values, in the order of
        ``mitid_portal.emails.QUEUED_BULK_COLUMNS`` (to, subject, body_text, body_html,
        event_key): no model instance per user. ``language`` is theirs (``User.language``)."""
        variant = self._variants.get((code_required, language)) or self._variant(
            code_required, language
        )
        link = f"{self._prefix}{token}{self._suffix}"
        return (
            to,
            variant.subject.replace(_NAME, name),
            variant.body_text.replace(_NAME, name).replace(_LINK, link),
            variant.body_html.replace(_NAME, escape(name)).replace(_LINK, escape(link)),
            event_key,
        )

    def row(
        self,
        *,
        to: str,
        name: str,
        token: str,
        code_required: bool,
        event_key: str,
        language: str = settings.LANGUAGE_CODE,
    ) -> OutboundEmail:
        """The email of one user as an unsaved outbox row (see :meth:`values`)."""
        to, subject, body_text, body_html, event_key = self.values(
            to=to,
            name=name,
            token=token,
            code_required=code_required,
            event_key=event_key,
            language=language,
        )
        return OutboundEmail(
            to=to, subject=subject, body_text=body_text, body_html=body_html, event_key=event_key
        )
