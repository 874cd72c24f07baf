"""Background work of the kernel (django-tasks): the outbox's delivery task, defined beside the
outbox in ``mitid_portal.emails`` (which enqueues it)."""

from mitid_portal.emails import deliver_emails

__all__ = ["deliver_emails"]
