"""Periodic background work: a schedule table in the database, ticked by every task worker.

The apps register their periodic jobs in ``AppConfig.ready()`` (``mitid_portal.registry``):
activation sends the activation reminders daily, the kernel sweeps the outbox every five
minutes. ``manage.py task_worker`` runs ``periodic_tick`` every ``TICK_SECONDS`` in a thread
beside the worker. A tick claims each due job with one conditional UPDATE::

    UPDATE mitid_portal_scheduledjob SET next_run_at = now + interval
    WHERE name = … AND next_run_at <= now

and enqueues the job's task only when the UPDATE changed a row. The database decides the race:
on PostgreSQL a second worker's UPDATE waits for the first one's row lock and then finds the
condition false, on SQLite writes are serialised, so with N workers each job is enqueued once per
period. The claim and the enqueue commit together (with the database task backend the task row is
in the same transaction), so a failed enqueue leaves the job due for the next tick.

Why not rq-scheduler, django-tasks' own deferral, or cron/systemd timers: the portal runs on two
task backends (the database one, embedded, and RQ on Redis) and on SQLite as well as PostgreSQL;
rq-scheduler exists only for RQ, a task that re-enqueues itself (what this replaced) multiplies
with every worker start, and cron needs a second process and host configuration beside the
workers. A row per job in the portal's own database works the same on every combination, needs
no extra process, and survives restarts: a job's next run is remembered, not re-planned.
"""

import datetime
import logging
import threading

from django.db import connections, transaction
from django.utils import timezone

from mitid_portal.models import ScheduledJob
from mitid_portal.registry import PeriodicJob, periodic_jobs

logger = logging.getLogger(__name__)

TICK_SECONDS = 30.0


def _claim(job: PeriodicJob, now: datetime.datetime) -> bool:
    # A job seen for the first time is due at once (as the first worker start ran it before).
    ScheduledJob.objects.bulk_create(
        [ScheduledJob(name=job.name, next_run_at=now)], ignore_conflicts=True
    )
    claimed = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=now + job.interval, last_enqueued_at=now
    )
    return claimed == 1


def periodic_tick(*, now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every registered job that is due and not yet claimed by another worker for this
    period; returns the names of the jobs this call enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs():
        with transaction.atomic():
            if not _claim(job, now):
                continue
            job.task.enqueue(**dict(job.kwargs))
        enqueued.append(job.name)
    if enqueued:
        logger.info("periodic jobs enqueued: %s", ", ".join(enqueued))
    return enqueued


def periodic_ticker_start(*, every: float = TICK_SECONDS) -> threading.Event:
    """Tick now and then every ``every`` seconds in a daemon thread (it ends with the worker's
    process); setting the returned event stops it. A failed tick is logged and retried."""
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                periodic_tick()
            except Exception:
                logger.exception("periodic tick failed")
            finally:
                connections.close_all()  # this thread's own connections
            stop.wait(every)

    threading.Thread(target=run, name="periodic-tick", daemon=True).start()
    return stop
