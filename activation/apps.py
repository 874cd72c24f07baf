import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from mitid_portal.registry import menu_item_register, periodic_job_register

ADMINISTRATORS = {"org_admin", "user_admin"}


class ActivationConfig(AppConfig):
    name = "activation"

    def ready(self) -> None:
        periodic_job_register(
            name="send_activation_reminders",
            task="activation.tasks.send_activation_reminders",
            interval=datetime.timedelta(days=1),
        )
        menu_item_register(
            url_name="activation:pending",
            label=_("Afventer aktivering"),
            order=40,
            roles=ADMINISTRATORS,
        )
        menu_item_register(url_name="employee:profile", label=_("Min profil"), order=70)
        menu_item_register(
            url_name="activation:migration_overview",
            label=_("Overblik"),
            order=80,
            roles=ADMINISTRATORS,
        )
