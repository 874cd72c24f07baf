"""Every change in the simulated SMS phones."""

from django.db import transaction

from mitid_portal.validators import normalise_phone
from simulators.sms.models import SmsMessage


@transaction.atomic
def sms_message_deliver(*, number: str, text: str, sender: str = "MitID") -> SmsMessage:
    """Put a text on the simulated phone with this Danish mobile number; a malformed number is
    refused with ``ValidationError``, as a real gateway would refuse it."""
    message = SmsMessage(number=normalise_phone(number), text=text, sender=sender)
    message.full_clean()
    message.save()
    return message
