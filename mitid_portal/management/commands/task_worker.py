"""Start django-tasks' own worker for the configured backend (TASK_BACKEND)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from mitid_portal.periodic import periodic_start


class Command(BaseCommand):
    help = "Run the task worker: db_worker (database backend) or rqworker (Redis)."

    def handle(self, *args, **options):
        periodic_start()
        if settings.TASK_BACKEND == "database":
            call_command("db_worker", queue_name="default", reload=False)
        elif settings.TASK_BACKEND == "rq":
            call_command("rqworker", "default", job_class="django_tasks_rq.Job")
        else:
            raise CommandError(f"TASK_BACKEND={settings.TASK_BACKEND} runs tasks without a worker")
