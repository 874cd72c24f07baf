"""The SMTP server refuses for a while (4xx): the outbox keeps the emails, retries them with a
growing back-off, delivers them once the server takes mail again, and an operator sees the
failure (attempts and last error) in the admin's list of outbound emails."""

import datetime
import types

import pytest
from django.urls import reverse
from django.utils import timezone

from mitid_portal import emails
from mitid_portal.models import OutboundEmail
from users.models import User

pytestmark = pytest.mark.django_db


def _queue(n: int) -> list[OutboundEmail]:
    return OutboundEmail.objects.bulk_create(
        OutboundEmail(to=f"afvist{i}@example.dk", subject=f"Aktivér din bruger {i}", body_text="x")
        for i in range(n)
    )


def _at(monkeypatch, moment: datetime.datetime) -> None:
    """The outbox's clock only, so the server thread and the database keep real time."""
    monkeypatch.setattr(emails, "timezone", types.SimpleNamespace(now=lambda: moment))


@pytest.fixture
def operator_client(client):
    operator = User.objects.create(username="operatoer", is_staff=True, is_superuser=True)
    client.force_login(operator)
    return client


def test_refused_emails_are_retried_with_backoff_and_delivered_later(
    smtp_server, monkeypatch, operator_client, database_task_backend
):
    from django_tasks_db.models import DBTaskResult

    rows = _queue(3)
    smtp_server.refuse = True
    assert emails.emails_deliver() == {"sent": 0, "retry": 3, "failed": 0}
    first = {r.pk: r for r in OutboundEmail.objects.all()}
    assert all(r.attempts == 1 and r.state == "queued" for r in first.values())
    assert all("451" in r.last_error for r in first.values())
    # The worker is asked to come back when the earliest retry is due.
    deferred = DBTaskResult.objects.filter(status="READY", run_after__isnull=False).get()
    assert deferred.run_after == min(r.next_attempt_at for r in first.values())

    # The operator sees the failure in the admin changelist.
    page = operator_client.get(reverse("admin:mitid_portal_outboundemail_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "afvist0@example.dk" in text and "451" in text and "I kø" in text

    # Not due yet: nothing is tried.
    assert emails.emails_deliver() == {"sent": 0, "retry": 0, "failed": 0}
    assert smtp_server.refused == 3

    # Still refusing at the next try: the back-off grows.
    later = max(r.next_attempt_at for r in first.values()) + datetime.timedelta(seconds=1)
    _at(monkeypatch, later)
    assert emails.emails_deliver()["retry"] == 3
    second = {r.pk: r for r in OutboundEmail.objects.all()}
    for pk, row in second.items():
        assert row.attempts == 2
        assert row.next_attempt_at - later > first[pk].next_attempt_at - first[pk].created_at

    # The server takes mail again: delivered at the next due try, once each.
    smtp_server.refuse = False
    _at(monkeypatch, max(r.next_attempt_at for r in second.values()) + datetime.timedelta(1))
    assert emails.emails_deliver() == {"sent": 3, "retry": 0, "failed": 0}
    assert smtp_server.delivered == {f"<outbox-{r.pk}@mitid-erhverv.test>" for r in rows}
    assert smtp_server.duplicates == 0
    sent = OutboundEmail.objects.filter(state=OutboundEmail.State.SENT)
    assert sent.count() == 3 and all(r.attempts == 3 for r in sent)
    page = operator_client.get(
        reverse("admin:mitid_portal_outboundemail_changelist") + "?state__exact=sent"
    )
    text = page.content.decode()
    assert all(f"afvist{i}@example.dk" in text for i in range(3)) and "Sendt" in text


def test_an_email_refused_every_time_ends_failed_and_visible(
    smtp_server, monkeypatch, operator_client
):
    _queue(1)
    smtp_server.refuse = True
    moment = timezone.now()
    for _ in range(emails.MAX_ATTEMPTS):  # bounded: one try per attempt
        _at(monkeypatch, moment)
        emails.emails_deliver()
        moment += datetime.timedelta(hours=2)  # past the longest back-off
    row = OutboundEmail.objects.get()
    assert row.state == OutboundEmail.State.FAILED and row.attempts == emails.MAX_ATTEMPTS
    page = operator_client.get(
        reverse("admin:mitid_portal_outboundemail_changelist") + "?state__exact=failed"
    )
    assert "afvist0@example.dk" in page.content.decode() and "Opgivet" in page.content.decode()
    assert smtp_server.received == 0
