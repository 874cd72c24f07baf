"""The outbox: emails queued with the change that causes them, delivered by the worker,
retried with back-off, sent once per event."""

import smtplib

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from mitid_portal import emails
from mitid_portal.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_templates(settings):
    engine = {**settings.TEMPLATES[0]}
    engine["DIRS"] = [*engine["DIRS"], settings.BASE_DIR / "tests" / "templates"]
    settings.TEMPLATES = [engine]  # a new value, so that Django rebuilds the template engines


def test_queued_email_is_delivered_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        emails.email_queue(to="anne@example.dk", template="test_notice", context={"name": "Anne"})
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Besked til Anne"
    assert "http://127.0.0.1:8000/hjaelp/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT


def test_a_rolled_back_change_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                emails.email_queue(to="a@example.dk", template="test_notice", context={"name": "A"})
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not OutboundEmail.objects.exists()


def test_one_email_per_event_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            emails.email_queue(
                to="a@example.dk", template="test_notice", context={"name": "A"}, event_key="e1"
            )
    assert len(mail.outbox) == 1


class _Refusing:
    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("refused")


def test_a_refused_email_is_retried_later_and_then_delivered(settings, monkeypatch):
    emails.email_queue(to="a@example.dk", template="test_notice", context={"name": "A"})
    monkeypatch.setattr(emails, "get_connection", lambda: _Refusing())
    assert emails.emails_deliver() == {"sent": 0, "retry": 1, "failed": 0}
    row = OutboundEmail.objects.get()
    assert row.state == OutboundEmail.State.QUEUED and row.attempts == 1
    assert "refused" in row.last_error and row.next_attempt_at > timezone.now()

    monkeypatch.undo()
    assert emails.emails_deliver() == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    call_command("flush_outbox")
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_the_email_is_marked_failed(monkeypatch):
    emails.email_queue(to="a@example.dk", template="test_notice", context={"name": "A"})
    OutboundEmail.objects.update(attempts=emails.MAX_ATTEMPTS - 1)
    monkeypatch.setattr(emails, "get_connection", lambda: _Refusing())
    assert emails.emails_deliver()["failed"] == 1
    assert OutboundEmail.objects.get().state == OutboundEmail.State.FAILED


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_the_database_worker_delivers_queued_email(
    database_task_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emails.email_queue(to="w@example.dk", template="test_notice", context={"name": "W"})
    assert mail.outbox == []  # waiting for the worker
    call_command("db_worker", batch=True, queue_name="default", reload=False, verbosity=1)
    assert len(mail.outbox) == 1


def test_a_delivery_run_queued_by_the_old_periodic_sweep_still_runs():
    """Before the schedule table the sweep re-queued itself as
    mitid_portal.tasks.deliver_emails(periodic=True); such runs queued before an upgrade load
    and deliver."""
    old = import_string("mitid_portal.tasks.deliver_emails")
    assert old.call(periodic=True) == {"sent": 0, "retry": 0, "failed": 0}
