"""Queueing and delivering email through the outbox (DESIGN.md "Rules": queued in the same
transaction as the change, sent by a worker, retried on failure, never lost, never sent twice).

Each email is one function in the ``emails`` module of the app that owns its event
(``organisations.emails``, ``users.emails``, ``activation.emails``; STYLE.md "Emails"), with typed
keyword-only arguments; it builds its context and calls ``email_queue`` here, the one shared
builder, which no other app module calls. Each email has three templates:
``emails/<name>-subject.txt``, ``-body.txt`` and ``-body.html``, written in Danish with every
text wrapped for translation, and rendered in the recipient's language (``User.language``: Danish
unless they chose English), or the language active when queued if the recipient is no user.
"""

import datetime
import logging
from array import array
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from mitid_portal.bulk import BulkInserter
from mitid_portal.models import OutboundEmail
from mitid_portal.sandbox import sandbox_scope

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH_SIZE = 200  # emails per delivery task
CLAIM_SIZE = 50  # emails claimed, sent and marked sent in one transaction (also: the most a
# crash can make the SMTP server receive twice; 50 keeps ~800/s on PostgreSQL, where each commit
# waits for the disk)


def email_render(name: str, context: dict, *, language: str | None = None) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the email ``name`` in ``language`` (the active language
    when None): texts, dates and numbers as the recipient reads them."""
    context = {"portal_base_url": settings.PORTAL_BASE_URL, **context}
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        body_text = render_to_string(f"emails/{name}-body.txt", context)
        body_html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body_text, body_html


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    language: str | None = None,
    event_key: str | None = None,
) -> OutboundEmail | None:
    """Put one email in the outbox, inside the caller's transaction; delivery starts after commit.
    ``language`` is the recipient's (``User.language``); None: the active language (a recipient
    who is no user, e.g. the requester of a connection, is the person acting).
    Returns None when an email for ``event_key`` was queued before."""
    if event_key and OutboundEmail.objects.filter(event_key=event_key).exists():
        return None
    subject, body_text, body_html = email_render(template, context, language=language)
    email = OutboundEmail.objects.create(
        to=to, subject=subject, body_text=body_text, body_html=body_html, event_key=event_key
    )
    transaction.on_commit(lambda: _enqueue_delivery([email.pk]))
    return email


QUEUED_BULK_COLUMNS = ("to", "subject", "body_text", "body_html", "event_key")


class EmailBulkQueue:
    """Many prepared emails queued in the caller's transaction, chunk by chunk (bulk activation):
    each :meth:`add` inserts its rows with multi-row inserts (no model instance, no per-value ORM
    preparation), and after commit the delivery tasks of every added row are enqueued at once, in
    one transaction. Between chunks only the new rows' primary keys are kept, 8 bytes each.

    The rows differ only in QUEUED_BULK_COLUMNS; every other column takes its default."""

    def __init__(self) -> None:
        self._inserter = BulkInserter(
            OutboundEmail, template=OutboundEmail(), varying=QUEUED_BULK_COLUMNS
        )
        self._ids: array[int] = array("q")
        self._scheduled = False

    def add(self, rows: Sequence[Sequence[str | None]]) -> list[int]:
        """Insert ``rows`` (values in the order of QUEUED_BULK_COLUMNS); their primary keys."""
        if not rows:
            return []
        pks = self._inserter.insert_returning(rows)
        self._ids.extend(pks)
        if not self._scheduled:
            self._scheduled = True
            ids = self._ids  # the same array: rows added later are enqueued too
            transaction.on_commit(lambda: _enqueue_delivery(ids.tolist()))
        return pks


def emails_queue_bulk(rows: Iterable[OutboundEmail]) -> list[OutboundEmail]:
    """Many prepared rows at once; one delivery task per batch after commit. The rows differ only
    in QUEUED_BULK_COLUMNS (every other column takes its default): they are inserted without the
    ORM's per-value preparation, and get their primary keys."""
    created = list(rows)
    if not created:
        return created
    pks = EmailBulkQueue().add(
        [tuple(getattr(row, column) for column in QUEUED_BULK_COLUMNS) for row in created]
    )
    for row, pk in zip(created, pks, strict=True):
        row.pk = pk
        row._state.adding = False
    return created


def _enqueue_delivery(ids: list[int] | None) -> None:
    if ids is None:
        deliver_emails.enqueue(ids=None)
        return
    # All tasks in one transaction: with the database task backend 250 task rows for 50,000
    # emails are one commit, not 250.
    with transaction.atomic():
        for start in range(0, len(ids), BATCH_SIZE):
            deliver_emails.enqueue(ids=ids[start : start + BATCH_SIZE])


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def emails_deliver(*, ids: list[int] | None = None, limit: int = 10_000) -> dict[str, int]:
    """Send queued emails (the given ones, or every one that is due) over one SMTP connection.

    Rows are claimed CLAIM_SIZE at a time with SELECT … FOR UPDATE SKIP LOCKED, sent, and marked
    sent with one UPDATE in the same short transaction, so two workers never send the same row.
    A failure is counted and retried later with exponential back-off; after MAX_ATTEMPTS the row
    is FAILED and visible to operators.

    The guarantee when a worker dies (SIGKILL, power loss) while a batch is in flight: the batch's
    transaction is rolled back, its rows are QUEUED again at once and are sent again by the next
    worker with the same Message-ID (``<outbox-PK@…>``, fixed by the row). So every email reaches
    the SMTP server at least once, and it is delivered once by any relay that drops duplicate
    Message-IDs; a server that does not may receive at most the messages of that one batch twice
    (those it had accepted before the kill). Nothing is ever lost.
    """
    now = timezone.now()
    if ids is not None:
        # Lock the given rows by primary key alone and check state and due time on the locked
        # rows: right after a bulk activation the planner's statistics do not yet know the
        # 50,000 new queued rows and would scan them all through the state index.
        chunks = [ids[i : i + CLAIM_SIZE] for i in range(0, min(len(ids), limit), CLAIM_SIZE)]
        claims = [OutboundEmail.objects.filter(pk__in=chunk) for chunk in chunks]
    else:
        due = OutboundEmail.objects.filter(state=OutboundEmail.State.QUEUED).exclude(
            next_attempt_at__gt=now
        )
        claims = [due] * -(-limit // CLAIM_SIZE)  # bounded: at most `limit` emails
    counts = {"sent": 0, "retry": 0, "failed": 0}
    connection = get_connection()
    try:
        for claim in claims:
            with transaction.atomic():
                locked = claim.select_for_update(skip_locked=True).order_by("pk")[:CLAIM_SIZE]
                batch = [email for email in locked if _is_due(email, now)]
                if not batch:
                    if ids is None:
                        break
                    continue
                sent = []
                for email in batch:
                    # The simulated mailbox files the mail in the email's own sandbox.
                    with sandbox_scope(email.sandbox_id):
                        outcome = _deliver_one(email, connection)
                    counts[outcome] += 1
                    if outcome == "sent":
                        sent.append(email.pk)
                if sent:
                    OutboundEmail.objects.filter(pk__in=sent).update(
                        state=OutboundEmail.State.SENT,
                        sent_at=timezone.now(),
                        attempts=F("attempts") + 1,
                    )
    finally:
        _close_quietly(connection)
    if counts["retry"]:
        _schedule_retry()
    return counts


def _is_due(email: OutboundEmail, now) -> bool:
    return email.state == OutboundEmail.State.QUEUED and not (
        email.next_attempt_at and email.next_attempt_at > now
    )


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a connection that already broke: nothing left to close
        logger.debug("closing the mail connection failed", exc_info=True)


def _schedule_retry() -> None:
    """Ask the worker to come back when the earliest retry is due (backends that can defer)."""
    earliest = (
        OutboundEmail.objects.filter(
            state=OutboundEmail.State.QUEUED, next_attempt_at__isnull=False
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if earliest and deliver_emails.get_backend().supports_defer:
        deliver_emails.using(run_after=earliest).enqueue(ids=None)


def _deliver_one(email: OutboundEmail, connection) -> str:
    """Send one claimed row; on failure record it on the row (back-off, or FAILED)."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        to=[email.to],
        connection=connection,
        headers={"Message-ID": f"<outbox-{email.pk}@mitid-erhverv.test>"},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        # Open explicitly: a backend that opens the connection itself inside send() also closes
        # it afterwards, which would cost a new SMTP connection per message.
        connection.open()
        message.send()
    except Exception as exc:  # SMTP refusals, timeouts: retried with back-off
        _close_quietly(connection)  # the next message starts on a fresh connection
        email.attempts += 1
        email.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if email.attempts >= MAX_ATTEMPTS:
            email.state = OutboundEmail.State.FAILED
            outcome = "failed"
        else:
            email.next_attempt_at = timezone.now() + _backoff(email.attempts)
            outcome = "retry"
        email.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
        logger.warning("email %s not delivered (attempt %s)", email.pk, email.attempts)
        return outcome
    return "sent"


@task()
def deliver_emails(ids: list[int] | None = None, periodic: bool = False) -> dict[str, int]:
    """The worker's task: deliver queued emails (the given ones, or every one that is due). The
    periodic sweep (every five minutes, see ``mitid_portal.periodic``) also picks up anything a
    stopped worker left behind. It lives beside the outbox that enqueues it.

    ``periodic`` is ignored: runs that the old self-rescheduling sweep queued before an upgrade
    carry it and must still run."""
    return emails_deliver(ids=ids)
