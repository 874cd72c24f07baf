"""Work outside a request – the task worker, the periodic jobs, management commands – runs
unscoped and must make its rows in the sandbox of what it works on, never in the default one."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from activation.models import Invitation
from activation.services import activation_reminders_send
from mitid_portal.emails import email_queue, emails_deliver
from mitid_portal.models import AuditEvent, OutboundEmail
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID, sandbox_active, sandbox_scope
from mitid_portal.sandboxes import sandbox_create
from organisations.models import Organisation
from simulators.mailbox.models import MailMessage
from simulators.registers.models import Person
from tests.factories import UserFactory
from users.models import ImportRun, User
from users.services.import_nemid import users_import_queue
from users.tasks import import_nemid_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise():
    sandbox, _token = sandbox_create()
    return sandbox


def test_outside_a_request_nothing_is_scoped(exercise):
    assert sandbox_active() is None
    assert Person.objects.filter(sandbox=exercise).exists()
    with sandbox_scope(exercise.pk):
        assert set(Person.objects.values_list("sandbox", flat=True)) == {exercise.pk}


@pytest.fixture
def test_templates(settings):
    engine = {**settings.TEMPLATES[0]}
    engine["DIRS"] = [*engine["DIRS"], settings.BASE_DIR / "tests" / "templates"]
    settings.TEMPLATES = [engine]


def test_the_email_worker_files_each_mail_in_its_own_sandbox(
    exercise, mailbox_backend, test_templates
):
    with sandbox_scope(exercise.pk):
        email = email_queue(
            to="trainee@example.dk",
            template="test_notice",
            context={"name": "Øvelse"},
        )
    assert email is not None and email.sandbox_id == exercise.pk
    emails_deliver(ids=[email.pk])
    mail = MailMessage.objects.get(subject=email.subject)
    assert mail.sandbox_id == exercise.pk
    with sandbox_scope(DEFAULT_SANDBOX_ID):
        assert not MailMessage.objects.filter(pk=mail.pk).exists()


def test_the_reminder_job_makes_its_email_and_audit_in_the_invitations_sandbox(exercise):
    with sandbox_scope(exercise.pk):
        organisation = Organisation.objects.first()
        user = UserFactory(organisation=organisation, email="due@example.dk")
        Invitation.objects.create(
            organisation=organisation,
            user=user,
            token_hash="x" * 64,
            code_hash="",
            expires_at=timezone.now() + datetime.timedelta(days=2),
        )
    assert activation_reminders_send() == 1
    reminder = OutboundEmail.objects.get(to="due@example.dk")
    assert reminder.sandbox_id == exercise.pk
    event = AuditEvent.objects.get(action="activation_reminder_sent")
    assert event.sandbox_id == exercise.pk


def test_the_import_task_imports_into_the_runs_sandbox(exercise):
    other, _token = sandbox_create()  # the same CVRs and signatures in another exercise
    with sandbox_scope(exercise.pk):
        organisation = Organisation.objects.get()
        User.objects.filter(organisation=organisation, nemid_employee_id__isnull=False).delete()
        run = users_import_queue(
            organisation=organisation,
            started_by_name="Øvelse",
            admin_roles={},
            enqueue=lambda pk: None,
        )
    import_nemid_task.call(run.pk)
    run = ImportRun.objects.get(pk=run.pk)
    assert run.state == ImportRun.State.DONE
    assert run.imported
    with sandbox_scope(other.pk):
        assert not User.objects.filter(organisation=organisation).exists()
    assert set(
        User.objects.filter(organisation=organisation).values_list("sandbox", flat=True)
    ) == {exercise.pk}


def test_seed_demo_works_in_the_sandbox_it_is_given(exercise):
    with sandbox_scope(exercise.pk):
        people = Person.objects.count()
    call_command("seed_demo", "--sandbox", str(exercise.pk), stdout=io.StringIO())
    with sandbox_scope(exercise.pk):
        assert Person.objects.count() == people  # idempotent: nothing added
    call_command("seed_demo", stdout=io.StringIO())
    with sandbox_scope(DEFAULT_SANDBOX_ID):
        assert Person.objects.count() == people  # the default sandbox gets its own copy
