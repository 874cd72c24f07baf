"""Background work of activation (django-tasks): thin wrappers around the services."""

from django_tasks import task

from activation import services
from mitid_portal.periodic import DAILY, schedule_next


@task()
def send_activation_reminders() -> int:
    """The reminder a few days before an activation link expires; runs daily (see periodic)."""
    sent = services.activation_reminders_send()
    schedule_next(send_activation_reminders, DAILY, {})
    return sent
