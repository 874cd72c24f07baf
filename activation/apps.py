import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from mitid_portal.registry import (
    demo_seeder_register,
    menu_item_register,
    periodic_job_register,
)

ADMINISTRATORS = {"org_admin", "user_admin"}


class ActivationConfig(AppConfig):
    name = "activation"

    def ready(self) -> None:
        periodic_job_register(
            name="send_activation_reminders",
            task="activation.tasks.send_activation_reminders",
            interval=datetime.timedelta(days=1),
        )
        # Bulk jobs whose worker died are taken up again (activation.services.bulkjobs).
        periodic_job_register(
            name="resume_bulk_jobs",
            task="activation.tasks.bulk_jobs_resume",
            interval=datetime.timedelta(minutes=5),
        )
        menu_item_register(
            url_name="activation:pending",
            label=_("Afventer aktivering"),
            order=40,
            roles=ADMINISTRATORS,
        )
        menu_item_register(
            url_name="activation:bulk_action",
            label=_("Massehandlinger"),
            order=45,
            roles=ADMINISTRATORS,
        )
        menu_item_register(url_name="employee:profile", label=_("Min profil"), order=70)
        menu_item_register(
            url_name="activation:migration_overview",
            label=_("Overblik"),
            order=80,
            roles=ADMINISTRATORS,
        )
        menu_item_register(
            url_name="activation:user_create",
            label=_("Opret bruger"),
            order=140,
            roles=ADMINISTRATORS,
        )
        # seed_demo: the organisations already connected in the demo world, after the
        # simulated world (order 10) has said which they are.
        demo_seeder_register(
            name="portal",
            order=20,
            seed="activation.demo.demo_seed",
            delete="activation.demo.demo_delete",
            report="activation.demo.demo_report",
        )
