"""Background work of the portal (django-tasks)."""

from django_tasks import task

from mitid_portal import emails
from mitid_portal.periodic import OUTBOX_SWEEP, schedule_next


@task()
def deliver_emails(ids: list[int] | None = None, periodic: bool = False) -> dict[str, int]:
    """Deliver queued emails (the given ones, or every one that is due). The periodic sweep also
    picks up anything a stopped worker left behind, and comes back every few minutes."""
    counts = emails.emails_deliver(ids=ids)
    if periodic:
        schedule_next(deliver_emails, OUTBOX_SWEEP, {"periodic": True})
    return counts
