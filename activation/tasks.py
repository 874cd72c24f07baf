"""Background work of activation (django-tasks): thin wrappers around the services."""

import logging

from django_tasks import task

from activation import services
from activation.models import BulkJob
from activation.services import bulkjobs
from mitid_portal.sandbox import sandbox_scope

logger = logging.getLogger(__name__)


@task()
def send_activation_reminders() -> int:
    """The reminder a few days before an activation link expires; a periodic job, run daily
    (registered in ``activation.apps``)."""
    return services.activation_reminders_send()


@task()
def bulk_job_task(job_id: int) -> int:
    """Run a confirmed bulk job to its end, a chunk per transaction (exactly once per user, also
    when run twice or after a worker died: ``activation.services.bulkjobs``). Returns how many
    users the job has processed."""
    job = BulkJob.objects.filter(pk=job_id).only("pk", "sandbox_id").first()
    if job is None:
        return 0
    with sandbox_scope(job.sandbox_id):
        try:
            bulkjobs.bulk_job_run(job_id=job_id)
        except Exception as exc:
            logger.exception("bulk job %s failed", job_id)
            bulkjobs.bulk_job_fail(job_id=job_id, error=bulkjobs.bulk_job_error(exc))
            raise
    return BulkJob.objects.filter(pk=job_id).values_list("processed", flat=True).get()


@task()
def bulk_jobs_resume() -> list[int]:
    """A periodic job: enqueue again every queued or running bulk job whose heartbeat is old (its
    worker died, or it waited in a queue that was lost)."""
    claimed = bulkjobs.bulk_jobs_stale()
    for job_id in claimed:
        bulk_job_task.enqueue(job_id=job_id)
    return claimed
