import datetime

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.core.checks import register
from django.core.management.color import no_style
from django.db import connections
from django.db.models.signals import post_migrate

from mitid_portal.checks import production_simulators_check
from mitid_portal.registry import periodic_job_register

# mitid_portal.sandbox.DEFAULT_SANDBOX_ID; that module defines a model, so it cannot be imported
# before the app registry is ready.
DEFAULT_SANDBOX_ID = 1


def default_sandbox_ensure(sender, *, using: str, apps=global_apps, **kwargs) -> None:
    """Every row belongs to a sandbox and a laptop's rows to the default one (id 1). The migration
    makes it; ``flush`` (a test's too) deletes it and is followed by post_migrate, which makes it
    again here (``apps`` is the migration state after ``migrate``, absent after ``flush``), then moves PostgreSQL's id sequence past it so the next exercise gets a new id."""
    sandbox_model = apps.get_model("mitid_portal", "Sandbox")
    manager = sandbox_model.objects.using(using)
    if manager.filter(pk=DEFAULT_SANDBOX_ID).exists():
        return
    manager.create(pk=DEFAULT_SANDBOX_ID, name="Standard")
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [sandbox_model]):
            cursor.execute(statement)


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
        post_migrate.connect(default_sandbox_ensure, sender=self)
        # Production with a simulated outside world refuses to start without sandboxes.
        register(production_simulators_check)
