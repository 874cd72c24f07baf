"""Read queries of the simulated mailbox."""

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from simulators.mailbox.models import MailRecipient


def mailbox_addresses(*, search: str = "") -> QuerySet:
    """Every address that has mail, newest mail first, with its message and unread counts."""
    rows = MailRecipient.objects.all()
    search = search.strip().lower()
    if search:
        rows = rows.filter(address__contains=search)
    return (
        rows.values("address")
        .annotate(
            message_count=Count("id"),
            unread_count=Count("id", filter=Q(is_read=False)),
            latest_at=Max("message__sent_at"),
        )
        .order_by("-latest_at", "address")
    )


def inbox(*, address: str) -> QuerySet[MailRecipient]:
    """One address's messages, newest first."""
    return (
        MailRecipient.objects.filter(address=address.lower())
        .select_related("message")
        .order_by("-message__sent_at", "-message_id")
    )


def inbox_message(*, address: str, message_id: int) -> MailRecipient:
    """A message as delivered to this address; a message not sent to it is a 404."""
    return get_object_or_404(
        MailRecipient.objects.select_related("message"),
        address=address.lower(),
        message_id=message_id,
    )
