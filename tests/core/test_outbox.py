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


_SUBJECTS = [
    "Besked til Anne",
    "Aktivér din bruger – Åse Bøg",  # one encoded word on the Subject line
    "Aktivér din bruger hos Region Æ – Åse Bøg",  # one encoded word, folded to its own line
    "Aktivér din bruger hos Region Hovedstaden – Åse Bøg",
    "Aktivér din bruger hos Region Syddanmark, Sygehus Lillebælt – Medarbejder 123 Jensen-Ø",
    "Welcome to MitID Erhverv at Region Nordjylland",
]
_BODIES = [
    ("Hej Åse\nDit link: http://127.0.0.1:8000/aktiver/link/abc/\n", "<p>Hej &lt;Åse&gt;</p>\n"),
    ("Linjer\r\nmed CRLF\rog CR\n\nslut", "<html>\n<body>\n<p>x</p>\n</body>\n</html>"),
    ("en lang linje " + "ø" * 400, "<p>" + "æ" * 300 + "</p>\n"),
]


@pytest.mark.parametrize("subject", _SUBJECTS)
@pytest.mark.parametrize(("body_text", "body_html"), _BODIES)
def test_the_fast_smtp_message_is_byte_for_byte_djangos(settings, subject, body_text, body_html):
    """The worker writes the common email's bytes itself (no EmailMultiAlternatives per message):
    they are exactly what Django's SMTP backend would send, with the same boundary and date."""
    from django.core.mail.backends.smtp import EmailBackend

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    email = emails._Claimed(
        pk=4711,
        sandbox_id=None,
        to="medarbejder.4711@region.example.dk",
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        state="queued",
        attempts=0,
        next_attempt_at=None,
    )
    backend = EmailBackend()
    fast = emails._FastSmtp.for_backend(backend)
    assert fast is not None
    django_bytes = emails._django_message(email, backend).message().as_bytes(linesep="\r\n")
    head = django_bytes.split(b"\r\n\r\n", 1)[0].decode()
    boundary = head.split('boundary="', 1)[1].split('"', 1)[0]
    date = head.split("\r\nDate: ", 1)[1].split("\r\n", 1)[0]
    assert fast.message_bytes(email, boundary=boundary, date=date) == django_bytes


def test_an_email_of_another_shape_is_left_to_django(settings):
    from django.core.mail.backends.smtp import EmailBackend

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    fast = emails._FastSmtp.for_backend(EmailBackend())
    common = {"pk": 1, "sandbox_id": None, "state": "queued", "attempts": 0}
    shapes = [
        {"to": "a@example.dk", "subject": "Hej", "body_text": "x", "body_html": ""},
        {"to": "å@exämple.dk", "subject": "Hej", "body_text": "x", "body_html": "<p>x</p>"},
        {"to": "a@example.dk", "subject": "x" * 80, "body_text": "x", "body_html": "<p>x</p>"},
        {"to": "a@example.dk", "subject": "Hej", "body_text": "x" * 999, "body_html": "<p>x</p>"},
    ]
    for shape in shapes:
        email = emails._Claimed(**common, **shape, next_attempt_at=None)
        assert fast.message_bytes(email, boundary="b", date="d") is None
    locmem = mail.get_connection("django.core.mail.backends.locmem.EmailBackend")
    assert emails._FastSmtp.for_backend(locmem) is None  # Django's path
