"""Background work of the users app (django-tasks): thin wrappers around services."""

from django_tasks import task

from mitid_portal.sandbox import sandbox_scope
from users.models import ImportRun
from users.services.import_nemid import users_import_from_nemid
from users.sessions import sessions_expired_delete


@task()
def import_nemid_task(run_id: int) -> dict[str, int]:
    """Carry out a queued NemID import run (``users_import_queue`` enqueues it after commit)."""
    run = ImportRun.objects.select_related("organisation").get(pk=run_id)
    with sandbox_scope(run.sandbox_id):
        run = users_import_from_nemid(
            organisation=run.organisation,
            started_by_name=run.started_by_name,
            admin_roles={int(pk): role for pk, role in run.admin_roles.items()},
            run=run,
        )
    return {"imported": run.imported, "skipped": run.skipped, "flagged": run.flagged}


@task()
def sessions_clear_task() -> int:
    """Delete the sessions that expired (``manage.py clearsessions``, daily on the workers)."""
    return sessions_expired_delete()
