"""Periodic background work without cron: each periodic task, when run, puts its next run in the
queue (for backends that can defer), and the worker command starts the cycle when it starts.

Every periodic task is idempotent (reminders are sent once per invitation, the outbox claims each
row), so a cycle started twice — two workers, or a restart — only runs the work more often.
"""

import datetime
import logging

from django.utils import timezone

logger = logging.getLogger(__name__)

DAILY = datetime.timedelta(days=1)
OUTBOX_SWEEP = datetime.timedelta(minutes=5)


def _periodic_tasks():
    from activation.tasks import send_activation_reminders
    from mitid_portal.tasks import deliver_emails

    return [
        (send_activation_reminders, DAILY, {}),
        (deliver_emails, OUTBOX_SWEEP, {"periodic": True}),
    ]


def schedule_next(task, interval: datetime.timedelta, kwargs: dict) -> None:
    if task.get_backend().supports_defer:
        task.using(run_after=timezone.now() + interval).enqueue(**kwargs)


def periodic_start() -> None:
    """Run every periodic task now; each one then schedules its own next run."""
    for task, _interval, kwargs in _periodic_tasks():
        task.enqueue(**kwargs)
    logger.info("periodic tasks started")
