import datetime

from django.apps import AppConfig

from mitid_portal.registry import periodic_job_register


class MitidPortalConfig(AppConfig):
    name = "mitid_portal"
    verbose_name = "MitID Erhverv portal"

    def ready(self) -> None:
        # Sweep the outbox every five minutes: due retries and what a stopped worker left.
        periodic_job_register(
            name="outbox_sweep",
            task="mitid_portal.emails.deliver_emails",
            interval=datetime.timedelta(minutes=5),
        )
