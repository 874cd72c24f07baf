"""Start django-tasks' own worker for the configured backend (TASK_BACKEND), with the periodic
jobs' tick (``mitid_portal.periodic``) in a thread beside it."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from mitid_portal.periodic import TICK_SECONDS, periodic_ticker_start


class Command(BaseCommand):
    help = "Run the task worker: db_worker (database backend) or rqworker (Redis)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tick",
            type=float,
            default=TICK_SECONDS,
            metavar="SECONDS",
            help="How often to enqueue the periodic jobs that are due (default: every 30 s).",
        )

    def handle(self, *args, tick: float, **options):
        if settings.TASK_BACKEND not in ("database", "rq"):
            raise CommandError(f"TASK_BACKEND={settings.TASK_BACKEND} runs tasks without a worker")
        periodic_ticker_start(every=tick)
        if settings.TASK_BACKEND == "database":
            call_command("db_worker", queue_name="default", reload=False)
        else:
            call_command("rqworker", "default", job_class="django_tasks_rq.Job")
