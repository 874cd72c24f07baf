"""Read queries of the bulk jobs (``activation.services.bulkjobs``): the organisation's jobs,
a job's outcome totals, its items for the receipt table and the CSV."""

from django.db.models import Count, QuerySet

from activation.models import BulkJob, BulkJobItem
from organisations.models import Organisation

RECENT_JOBS = 50


def bulk_jobs(*, organisation: Organisation) -> QuerySet[BulkJob]:
    """The organisation's jobs, the newest first."""
    return BulkJob.objects.filter(organisation=organisation).order_by("-created_at", "-pk")


def bulk_job_outcome_counts(*, job: BulkJob) -> dict[str, int]:
    """How many of the job's users ended ok, skipped or failed (one query)."""
    rows = (
        BulkJobItem.objects.filter(job=job, done=True)
        .order_by()
        .values("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    counts = dict.fromkeys(BulkJobItem.Outcome.values, 0)
    counts.update(dict(rows))
    return counts


_ITEM_FIELDS = (
    "id",
    "job_id",
    "done",
    "outcome",
    "reason",
    "user__id",
    "user__first_name",
    "user__last_name",
    "user__bruger_id",
    "user__email",
)


def bulk_job_items(*, job: BulkJob, outcome: str = "") -> QuerySet[BulkJobItem]:
    """The job's items with the user's name and bruger-ID, in the order of the selection;
    only those with ``outcome`` when given."""
    items = BulkJobItem.objects.filter(job=job)
    if outcome:
        items = items.filter(outcome=outcome)
    return items.select_related("user").only(*_ITEM_FIELDS).order_by("pk")


def bulk_job_csv_rows(*, job: BulkJob):
    """The receipt's rows for the CSV, streamed from the database."""
    return (
        BulkJobItem.objects.filter(job=job)
        .order_by("pk")
        .values_list(
            "user__first_name",
            "user__last_name",
            "user__bruger_id",
            "user__email",
            "outcome",
            "reason",
        )
        .iterator(chunk_size=2000)
    )
