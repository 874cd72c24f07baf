import datetime

from django.apps import AppConfig

from mitid_portal.registry import periodic_job_register


class ActivationConfig(AppConfig):
    name = "activation"

    def ready(self) -> None:
        periodic_job_register(
            name="send_activation_reminders",
            task="activation.tasks.send_activation_reminders",
            interval=datetime.timedelta(days=1),
        )
