"""Deliver every queued email that is due (retries after failures, or a worker that died)."""

from django.core.management.base import BaseCommand

from mitid_portal.emails import emails_deliver


class Command(BaseCommand):
    help = "Send every queued email that is due now."

    def handle(self, *args, **options):
        counts = emails_deliver()
        self.stdout.write(
            f"sent {counts['sent']}, to retry {counts['retry']}, failed {counts['failed']}"
        )
