"""Background work of the portal (django-tasks)."""

from django_tasks import task

from mitid_portal import emails


@task()
def deliver_emails(ids: list[int] | None = None) -> dict[str, int]:
    """Deliver queued emails (the given ones, or every one that is due). The periodic sweep
    (every five minutes, see ``mitid_portal.periodic``) also picks up anything a stopped worker
    left behind."""
    return emails.emails_deliver(ids=ids)
