"""Read queries of the simulated SMS phones."""

from django.db.models import Count, Max, QuerySet

from simulators.sms.models import SmsMessage


def phones_list(*, search: str = "") -> QuerySet:
    """Every number that received texts, the most recent first, with its count."""
    rows = SmsMessage.objects.all()
    digits = "".join(ch for ch in search if ch.isdigit())
    if digits:
        rows = rows.filter(number__contains=digits)
    return (
        rows.values("number")
        .annotate(message_count=Count("id"), latest_at=Max("sent_at"))
        .order_by("-latest_at", "number")
    )


def phone_messages(*, number: str) -> QuerySet[SmsMessage]:
    return SmsMessage.objects.filter(number=number).order_by("-sent_at", "-id")
