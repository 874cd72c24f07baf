"""The exercises' periodic job: delete those that expired, with everything in them."""

from django_tasks import task

from mitid_portal.sandboxes import sandboxes_expire


@task()
def sandboxes_expire_task() -> int:
    """The worker's task (hourly, ``mitid_portal.apps``): every expired exercise goes."""
    return sandboxes_expire()
