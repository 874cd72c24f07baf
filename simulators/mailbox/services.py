"""Every change in the simulated mailbox: storing what the portal sends, read marks, emptying."""

from email.utils import getaddresses

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils.html import strip_tags

from simulators.mailbox.models import MailMessage, MailRecipient


def _addresses(values) -> list[str]:
    """Bare, lower-cased addresses from entries such as ``"Hanne <Hanne@Firma.dk>"``."""
    return [address.strip().lower() for _name, address in getaddresses(list(values)) if address]


def _html_alternative(message: EmailMessage) -> str:
    if message.content_subtype == "html":
        return str(message.body)
    for alternative in getattr(message, "alternatives", None) or []:
        content, mimetype = alternative[0], alternative[1]
        if mimetype == "text/html":
            return content
    return ""


def _header(message: EmailMessage, name: str) -> str:
    for key, value in (message.extra_headers or {}).items():
        if key.lower() == name.lower():
            return str(value)
    return ""


@transaction.atomic
def mail_message_store(*, message: EmailMessage) -> MailMessage | None:
    """Keep one sent message with a recipient row per distinct address (to, cc and bcc), so that
    every inbox finds it; a message without recipients is not sent, as with SMTP."""
    addresses = list(dict.fromkeys(_addresses(message.recipients())))
    if not addresses:
        return None
    html = _html_alternative(message)
    body = str(message.body)  # a lazy translation, if the sender gave one, is text from here on
    text = body if message.content_subtype != "html" else strip_tags(body)
    stored = MailMessage(
        sender=(_header(message, "From") or message.from_email or "")[:300],
        subject=(message.subject or "")[:500],
        body_text=text or "",
        body_html=html or "",
        message_id=_header(message, "Message-ID")[:300],
        to=", ".join(message.to),
        cc=", ".join(message.cc),
    )
    # A message may lawfully lack a subject, a text body or a To (only Bcc).
    stored.full_clean(exclude=["subject", "body_text", "to"])
    stored.save()
    MailRecipient.objects.bulk_create(
        MailRecipient(message=stored, address=address[:254]) for address in addresses
    )
    return stored


@transaction.atomic
def mail_recipient_mark_read(*, recipient: MailRecipient) -> None:
    """*Markér som læst* in one inbox; the same message stays unread in the other inboxes."""
    MailRecipient.objects.filter(pk=recipient.pk).update(is_read=True)


@transaction.atomic
def mailbox_clear() -> int:
    """Empty the whole simulated mailbox (a convenience for trainers); returns the messages
    deleted."""
    count = MailMessage.objects.count()
    MailMessage.objects.all().delete()
    return count
