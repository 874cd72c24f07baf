"""The outbox's delivery task under its former path: it is defined beside the outbox in
``mitid_portal.emails`` (which enqueues it), and this name is kept only so that delivery runs
queued before an upgrade, which name ``mitid_portal.tasks.deliver_emails``, still load."""

from mitid_portal.emails import deliver_emails

__all__ = ["deliver_emails"]
