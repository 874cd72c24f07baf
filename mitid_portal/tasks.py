"""Background work of the portal (django-tasks)."""

from django_tasks import task

from mitid_portal import emails


@task()
def deliver_emails(ids: list[int] | None = None) -> dict[str, int]:
    """Deliver queued emails; those that fail are retried by ``flush_outbox``."""
    return emails.emails_deliver(ids=ids)
