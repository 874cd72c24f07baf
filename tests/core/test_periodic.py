"""Periodic jobs: registered by the apps, claimed from the schedule table with one conditional
UPDATE, so however many workers tick, each job is enqueued once per period."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mitid_portal import periodic
from mitid_portal.models import ScheduledJob
from mitid_portal.registry import periodic_job_register, periodic_jobs

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
SWEEP = datetime.timedelta(minutes=5)
HOUR = datetime.timedelta(hours=1)


def _enqueued() -> list[str]:
    return sorted(result.task_path.rsplit(".", 1)[1] for result in DBTaskResult.objects.all())


def test_the_apps_register_the_reminders_daily_and_the_outbox_sweep_every_five_minutes():
    jobs = {job.name: job for job in periodic_jobs()}
    assert set(jobs) == {
        "send_activation_reminders",
        "outbox_sweep",
        "sandboxes_expire",
        "resume_bulk_jobs",
        "sessions_clear",
    }
    assert jobs["send_activation_reminders"].interval == DAY
    assert jobs["send_activation_reminders"].task.name == "send_activation_reminders"
    assert jobs["outbox_sweep"].interval == SWEEP
    assert jobs["outbox_sweep"].task.name == "deliver_emails"
    assert jobs["sandboxes_expire"].interval == HOUR
    assert jobs["sandboxes_expire"].task.name == "sandboxes_expire_task"
    assert jobs["resume_bulk_jobs"].interval == SWEEP
    assert jobs["resume_bulk_jobs"].task.name == "bulk_jobs_resume"
    assert jobs["sessions_clear"].interval == DAY
    assert jobs["sessions_clear"].task.name == "sessions_clear_task"


def test_a_name_registered_again_differently_is_refused():
    with pytest.raises(ValueError):
        periodic_job_register(
            name="outbox_sweep", task="mitid_portal.emails.deliver_emails", interval=DAY
        )


def test_two_workers_ticking_at_the_same_moment_enqueue_each_job_once(database_task_backend):
    now = timezone.now()
    first = periodic.periodic_tick(now=now)
    second = periodic.periodic_tick(now=now)
    assert sorted(first) == [
        "outbox_sweep",
        "resume_bulk_jobs",
        "sandboxes_expire",
        "send_activation_reminders",
        "sessions_clear",
    ]
    assert second == []
    assert _enqueued() == [
        "bulk_jobs_resume",
        "deliver_emails",
        "sandboxes_expire_task",
        "send_activation_reminders",
        "sessions_clear_task",
    ]
    assert ScheduledJob.objects.get(name="outbox_sweep").next_run_at == now + SWEEP
    assert ScheduledJob.objects.get(name="send_activation_reminders").next_run_at == now + DAY


def test_each_job_comes_again_after_its_interval_and_not_before(database_task_backend):
    now = timezone.now()
    periodic.periodic_tick(now=now)
    assert periodic.periodic_tick(now=now + SWEEP - datetime.timedelta(seconds=1)) == []
    assert sorted(periodic.periodic_tick(now=now + SWEEP)) == ["outbox_sweep", "resume_bulk_jobs"]
    assert periodic.periodic_tick(now=now + SWEEP + datetime.timedelta(seconds=30)) == []
    assert sorted(periodic.periodic_tick(now=now + DAY)) == [
        "outbox_sweep",
        "resume_bulk_jobs",
        "sandboxes_expire",
        "send_activation_reminders",
        "sessions_clear",
    ]
    assert _enqueued().count("send_activation_reminders") == 2
    assert _enqueued().count("sessions_clear_task") == 2
    assert _enqueued().count("deliver_emails") == 3


def test_a_restarted_worker_does_not_run_the_jobs_again(database_task_backend):
    """The old self-rescheduling tasks ran everything at every worker start."""
    now = timezone.now()
    periodic.periodic_tick(now=now)
    assert periodic.periodic_tick(now=now + datetime.timedelta(minutes=1)) == []
    assert DBTaskResult.objects.count() == 5


def test_a_failed_enqueue_leaves_the_job_due(database_task_backend, monkeypatch):
    job = next(job for job in periodic_jobs() if job.name == "outbox_sweep")

    class Broken:
        def enqueue(self, **kwargs):
            raise RuntimeError("queue down")

    monkeypatch.setitem(job.__dict__, "task", Broken())
    now = timezone.now()
    with pytest.raises(RuntimeError):
        periodic.periodic_tick(now=now)
    monkeypatch.undo()
    assert "outbox_sweep" in periodic.periodic_tick(now=now)


@pytest.mark.django_db(transaction=True)
def test_the_enqueued_jobs_run_in_the_worker(database_task_backend):
    periodic.periodic_tick()
    call_command("db_worker", batch=True, queue_name="default", reload=False, verbosity=0)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert not DBTaskResult.objects.filter(status="READY").exists()  # nothing rescheduled itself


def test_the_ticker_thread_ticks_until_stopped(monkeypatch):
    ticked = threading.Event()
    monkeypatch.setattr(periodic, "periodic_tick", lambda: ticked.set())
    stop = periodic.periodic_ticker_start(every=0.01)
    try:
        assert ticked.wait(5)
    finally:
        stop.set()
