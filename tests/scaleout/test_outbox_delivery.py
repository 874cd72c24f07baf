"""The outbox worker against a real SMTP server on 127.0.0.1 (aiosmtpd): one connection for a whole
run, rows claimed and marked sent in batches (a number of queries that grows with the batches, not
with the emails), and a stable Message-ID per row, so that a re-send can be recognised."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench._common import CountingSmtpServer
from mitid_portal import emails
from mitid_portal.models import OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_server(settings):
    server = CountingSmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        server.stop()


def _queue(n: int) -> list[int]:
    rows = OutboundEmail.objects.bulk_create(
        OutboundEmail(to=f"m{i}@example.dk", subject=f"Aktivér din bruger {i}", body_text="Hej")
        for i in range(n)
    )
    return [row.pk for row in rows]


def test_it_sends_many_emails_over_one_smtp_connection(smtp_server):
    _queue(250)
    assert emails.emails_deliver() == {"sent": 250, "retry": 0, "failed": 0}
    assert smtp_server.received == 250
    assert len(smtp_server.peers) == 1
    assert OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).count() == 250


def test_it_claims_and_marks_emails_in_batches(smtp_server):
    _queue(emails.CLAIM_SIZE * 3)
    with CaptureQueriesContext(connection) as queries:
        emails.emails_deliver()
    # A few queries per batch of CLAIM_SIZE (claim, mark sent, savepoints), none per email.
    assert len(queries) <= 4 * 8
    assert smtp_server.received == emails.CLAIM_SIZE * 3


def test_each_row_keeps_one_message_id(smtp_server):
    (pk,) = _queue(1)
    emails.emails_deliver()
    assert smtp_server.delivered == {f"<outbox-{pk}@mitid-erhverv.test>"}


def test_only_the_given_rows_are_sent(smtp_server):
    pks = _queue(10)
    assert emails.emails_deliver(ids=pks[:3])["sent"] == 3
    assert OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED).count() == 7


def test_given_rows_already_sent_or_not_yet_due_are_left_alone(smtp_server):
    due, sent, later = _queue(3)
    OutboundEmail.objects.filter(pk=sent).update(state=OutboundEmail.State.SENT)
    OutboundEmail.objects.filter(pk=later).update(
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert emails.emails_deliver(ids=[due, sent, later]) == {"sent": 1, "retry": 0, "failed": 0}
    assert smtp_server.delivered == {f"<outbox-{due}@mitid-erhverv.test>"}
