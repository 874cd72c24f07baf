"""Two NemID imports of one organisation at the same moment (G3.5–G3.7): one runs, the other is
refused with the clear message, and every signature is imported exactly once."""

import pytest

from mitid_portal.errors import RuleError
from tests.concurrency.conftest import run_parallel
from tests.factories import NemIDEmployeeFactory, OrganisationFactory
from users.models import ImportRun, User
from users.services.import_nemid import users_import_from_nemid, users_import_queue
from users.tasks import import_nemid_task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _queue(organisation, name):
    return users_import_queue(
        organisation=organisation,
        started_by_name=name,
        admin_roles={},
        enqueue=import_nemid_task.enqueue,
    )


def _run(organisation, name):
    return users_import_from_nemid(organisation=organisation, started_by_name=name)


def test_two_imports_queued_at_once_one_is_refused(database_task_backend):
    organisation = OrganisationFactory()
    NemIDEmployeeFactory.create_batch(5, cvr=organisation.cvr)

    results = run_parallel(
        _queue, [(organisation, "Hanne"), (organisation, "Jesper"), (organisation, "Søren")]
    )

    runs = [r for r in results if isinstance(r, ImportRun)]
    refused = [r for r in results if isinstance(r, RuleError)]
    assert len(runs) == 1 and len(refused) == 2, results
    assert {r.code for r in refused} == {"import_running"}
    assert "kører allerede en import" in str(refused[0].message)
    assert ImportRun.objects.filter(organisation=organisation).count() == 1


def test_two_imports_run_at_once_import_every_signature_once():
    organisation = OrganisationFactory()
    NemIDEmployeeFactory.create_batch(40, cvr=organisation.cvr)

    results = run_parallel(_run, [(organisation, "Hanne"), (organisation, "Jesper")])

    done = [r for r in results if isinstance(r, ImportRun)]
    refused = [r for r in results if isinstance(r, RuleError)]
    # Either the second was refused while the first ran, or (if the first had already finished)
    # it ran and found everything imported; never two copies of a signature.
    assert len(done) + len(refused) == 2, results
    assert all(r.code == "import_running" for r in refused)
    assert len(done) >= 1
    assert User.objects.filter(organisation=organisation).count() == 40
    assert (
        User.objects.filter(organisation=organisation)
        .values("nemid_employee_id")
        .distinct()
        .count()
        == 40
    )
    assert not ImportRun.objects.filter(
        organisation=organisation, state__in=["queued", "running"]
    ).exists()
