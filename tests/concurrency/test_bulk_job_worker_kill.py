"""A task worker killed (SIGKILL) in the middle of a bulk job (issue 14, "Must show"): the job is
taken up again by the periodic resume in a new worker, and run at the same time by a second one,
and every user is processed exactly once: one new link and one resend email per user, every item
done once, the job's count equal to its users.

Real processes on a scratch PostgreSQL database (``tests.scaleout.live``); the database task
backend, so the killed worker's task is lost as it would be in production and only the resume
brings the job back."""

import time

import psycopg
import pytest

from tests.scaleout import live

pytestmark = pytest.mark.postgres

USERS = 400  # two chunks of 200: the worker is killed after the first one, in the second

SEED = f"""
from tests.activation.factories import ImportedUserFactory, SetUpOrganisationFactory
from tests.factories import RoleGrantFactory, UserFactory
from activation import services
from activation.services import bulkjobs
from activation.tasks import bulk_job_task
from users.models import User
organisation = SetUpOrganisationFactory()
admin = UserFactory(organisation=organisation)
RoleGrantFactory(user=admin, organisation=organisation)
users = ImportedUserFactory.create_batch({USERS}, organisation=organisation)
services.users_activation_start(
    organisation=organisation, users=users, means=["kodeviser"], actor=admin
)
job = bulkjobs.bulk_job_create(
    organisation=organisation,
    action="resend",
    users=User.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"),
    actor=admin,
)
bulkjobs.bulk_job_confirm(job=job, parameters={{}}, actor=admin)
bulk_job_task.enqueue(job_id=job.pk)
print(job.pk)
"""

ENQUEUE = """
from activation.tasks import bulk_job_task
bulk_job_task.enqueue(job_id={job_id})
"""


def _one(url: str, sql: str, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()


def _wait(url, job_id, condition, *, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state, processed, total = _one(
            url,
            "SELECT state, processed, total FROM activation_bulkjob WHERE id = %s",
            (job_id,),
        )
        if condition(state, processed, total):
            return state, processed, total
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {state} {processed}/{total}")


@pytest.fixture
def database():
    if not live.postgres_url():
        pytest.skip(
            "a worker killed in a transaction and a second worker on the same rows need "
            "PostgreSQL (set DATABASE_URL=postgres://…); SQLite serialises writers"
        )
    with live.scratch_database() as url:
        yield url


def test_a_killed_worker_leaves_every_user_processed_exactly_once(database, tmp_path):
    url = database
    job_id = int(live.manage(url, "shell", "-c", SEED).stdout.strip().splitlines()[-1])
    first = live.start(url, "task_worker", "--tick", "0.5", log=tmp_path / "worker1.log")
    workers = []
    try:
        _wait(url, job_id, lambda s, p, t: p >= 200)
        live.stop(first, kill=True)  # SIGKILL: mid-chunk, the chunk's transaction is lost
        _, processed, total = _wait(url, job_id, lambda s, p, t: True)
        assert 0 < processed < total == USERS, (processed, total)

        # Two minutes later, as the periodic resume sees it; and the job enqueued once more, so
        # two workers run it at the same time.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "UPDATE activation_bulkjob SET heartbeat_at = now() - interval '3 minutes' "
                "WHERE id = %s",
                (job_id,),
            )
            conn.execute(
                "UPDATE mitid_portal_scheduledjob SET next_run_at = now() "
                "WHERE name = 'resume_bulk_jobs'"
            )
        live.manage(url, "shell", "-c", ENQUEUE.format(job_id=job_id))
        for n in (2, 3):
            workers.append(
                live.start(url, "task_worker", "--tick", "0.5", log=tmp_path / f"worker{n}.log")
            )
        state, processed, total = _wait(url, job_id, lambda s, p, t: s in ("done", "failed"))
    finally:
        live.stop(first, kill=True)
        for worker in workers:
            live.stop(worker)

    logs = "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("*.log")))
    assert state == "done", logs[-3000:]
    assert processed == total == USERS
    assert _one(
        url, "SELECT count(*) FROM activation_bulkjobitem WHERE job_id = %s AND done", (job_id,)
    ) == (USERS,)
    # One new link per user: each has exactly the invitation the start made (now replaced) and
    # the one the resend made (live).
    assert _one(
        url,
        "SELECT count(*) FROM (SELECT user_id FROM activation_invitation "
        "GROUP BY user_id HAVING count(*) <> 2 OR sum((state = 'live')::int) <> 1) AS wrong",
    ) == (0,)
    assert _one(
        url,
        "SELECT count(*) FROM organisations_auditevent WHERE action = 'activation_link_resent'",
    ) == (USERS,)
    assert _one(
        url,
        "SELECT count(*), count(DISTINCT event_key) FROM mitid_portal_outboundemail "
        "WHERE event_key LIKE 'activation-link-%%'",
    ) == (2 * USERS, 2 * USERS)
