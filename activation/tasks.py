"""Background work of activation (django-tasks): thin wrappers around the services."""

from django_tasks import task

from activation import services


@task()
def send_activation_reminders() -> int:
    """The reminder a few days before an activation link expires; a periodic job, run daily
    (registered in ``activation.apps``)."""
    return services.activation_reminders_send()
