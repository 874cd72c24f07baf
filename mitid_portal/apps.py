import datetime

from django.apps import AppConfig
from django.core.checks import register

from mitid_portal.checks import production_simulators_check
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
        # Delete the exercises (øvelser) that expired, with everything in them, every hour.
        periodic_job_register(
            name="sandboxes_expire",
            task="mitid_portal.sandbox_tasks.sandboxes_expire_task",
            interval=datetime.timedelta(hours=1),
        )
        # Production with a simulated outside world refuses to start without sandboxes.
        register(production_simulators_check)
