"""The bulk start's builder of the link email: rendered once per variant and filled per user, so
50,000 emails cost three template renders, not 150,000. It renders the same templates with the
same context as the single email, ``activation.emails.activation_link`` (resend), which renders
normally through the outbox."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.html import escape

from activation.emails import LINK_TEMPLATE, activation_url, link_context
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
            context = link_context(
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
