"""Django email backend that delivers into the simulated mailbox (used when EMAIL_URL is unset)."""

import logging

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from simulators.mailbox.services import mail_message_store

logger = logging.getLogger(__name__)


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        """Store every message in one transaction; returns how many were delivered."""
        if not email_messages:
            return 0
        try:
            with transaction.atomic():
                return sum(
                    1
                    for message in email_messages
                    if mail_message_store(message=message) is not None
                )
        except Exception:
            if not self.fail_silently:
                raise
            # Only the type: the message may hold addresses and activation links.
            logger.exception("The simulated mailbox could not store the messages")
            return 0
