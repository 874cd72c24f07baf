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

import base64
import datetime
import functools
import logging
import random
import re
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.header import Header
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
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
    fast = _FastSmtp.for_backend(connection)
    try:
        for claim in claims:
            with transaction.atomic():
                locked = (
                    claim.select_for_update(skip_locked=True)
                    .order_by("pk")
                    .values_list(*_CLAIMED)[:CLAIM_SIZE]
                )
                batch = [_Claimed(*row) for row in locked]
                batch = [email for email in batch if _is_due(email, now)]
                if not batch:
                    if ids is None:
                        break
                    continue
                sent: list[_Claimed] = []
                failed: list[_Claimed] = []
                for email in batch:
                    # The simulated mailbox files the mail in the email's own sandbox.
                    with sandbox_scope(email.sandbox_id):
                        outcome = _deliver_one(email, connection, fast)
                    counts[outcome] += 1
                    (sent if outcome == "sent" else failed).append(email)
                if sent:
                    OutboundEmail.objects.filter(pk__in=[email.pk for email in sent]).update(
                        state=OutboundEmail.State.SENT,
                        sent_at=timezone.now(),
                        attempts=F("attempts") + 1,
                    )
                if failed:
                    OutboundEmail.objects.bulk_update(
                        [email.as_row() for email in failed],
                        ["attempts", "last_error", "state", "next_attempt_at"],
                    )
    finally:
        _close_quietly(connection)
    if counts["retry"]:
        _schedule_retry()
    return counts


# The columns a delivery reads: not the whole row (no model instance per email).
_CLAIMED = (
    "pk",
    "sandbox_id",
    "to",
    "subject",
    "body_text",
    "body_html",
    "state",
    "attempts",
    "next_attempt_at",
)


@dataclass
class _Claimed:
    pk: int
    sandbox_id: int | None
    to: str
    subject: str
    body_text: str
    body_html: str
    state: str
    attempts: int
    next_attempt_at: datetime.datetime | None
    last_error: str = ""

    def as_row(self) -> OutboundEmail:
        """An unsaved instance carrying the failure's fields, for one bulk UPDATE."""
        return OutboundEmail(
            pk=self.pk,
            attempts=self.attempts,
            last_error=self.last_error,
            state=self.state,
            next_attempt_at=self.next_attempt_at,
        )


def _is_due(email: _Claimed, now) -> bool:
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


def _message_id(pk: int) -> str:
    return f"<outbox-{pk}@mitid-erhverv.test>"


def _django_message(email: _Claimed, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        to=[email.to],
        connection=connection,
        headers={"Message-ID": _message_id(email.pk)},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


# An address that needs no encoding or punycode: written as it is, as sanitize_address would.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
_LINE_LIMIT = 998  # RFC 5322; Django sends a body with a longer line quoted-printable
_NEWLINES = re.compile(r"\r\n|\r|\n")
_PART_HEAD = (
    'Content-Type: text/{}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
    "Content-Transfer-Encoding: {}\r\n\r\n"
)


class _FastSmtp:
    """The bytes Django's SMTP backend would send for an outbox email (text and HTML
    alternatives, 8bit), written directly: building each message through Django's
    ``EmailMultiAlternatives`` and the ``email`` package's generator cost about 60% of the
    worker's time. The parts shared by every message (the From header, the envelope sender, the
    part headers) are made once by Django itself; an email that is not of the common shape (no
    HTML part, a line over 998 bytes, an address or subject that needs encoding beyond the plain
    case) goes through Django as before. tests/core/test_outbox.py checks the bytes are Django's,
    byte for byte."""

    def __init__(self, connection: SmtpBackend) -> None:
        self.connection = connection
        sample = EmailMultiAlternatives(subject="x", body="x", to=["x@example.dk"])
        message = sample.message()
        self.from_header = str(message["From"])
        self.envelope_from = sanitize_address(sample.from_email, sample.encoding)
        self.localtime = settings.EMAIL_USE_LOCALTIME

    @classmethod
    def for_backend(cls, connection) -> "_FastSmtp | None":
        # Django's own SMTP backend only (not a subclass that might change what it sends), with
        # the default charset and a From header that needs no folding: anything else sends
        # through Django's messages.
        if type(connection) is not SmtpBackend or settings.DEFAULT_CHARSET.lower() != "utf-8":
            return None
        fast = cls(connection)
        return fast if len(f"From: {fast.from_header}") <= 78 else None

    def message_bytes(self, email: _Claimed, *, boundary: str, date: str) -> bytes | None:
        """The message as Django would send it, or None when it is not of the common shape."""
        if (
            not email.body_html
            or len(email.to) > 78 - len("To: ")
            or not _PLAIN_ADDRESS.fullmatch(email.to)
        ):
            return None
        subject = _subject(email.subject)
        if subject is None:
            return None
        parts = []
        for subtype, body in (("plain", email.body_text), ("html", email.body_html)):
            lines = _NEWLINES.split(body)
            if boundary in body or any(len(line.encode()) > _LINE_LIMIT for line in lines):
                return None
            # As the email package marks a utf-8 part: 7bit when it is all ASCII.
            head = _PART_HEAD.format(subtype, "7bit" if body.isascii() else "8bit")
            parts.append(f"--{boundary}\r\n{head}" + "\r\n".join(lines) + "\r\n")
        head = (
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
            f"MIME-Version: 1.0\r\nSubject: {subject}\r\nFrom: {self.from_header}\r\n"
            f"To: {email.to}\r\nDate: {date}\r\nMessage-ID: {_message_id(email.pk)}\r\n\r\n"
        )
        return f"{head}{parts[0]}{parts[1]}--{boundary}--\r\n".encode()

    def send(self, email: _Claimed) -> bool:
        """Send the email; False when it is not of the common shape (nothing was sent)."""
        data = self.message_bytes(
            email,
            boundary=_make_boundary(),
            date=formatdate(localtime=self.localtime),
        )
        if data is None:
            return False
        # Open explicitly: a backend that opens the connection itself inside send() also
        # closes it afterwards, which would cost a new SMTP connection per message.
        self.connection.open()
        assert self.connection.connection is not None
        self.connection.connection.sendmail(self.envelope_from, [email.to], data)
        return True


@functools.lru_cache(maxsize=1024)
def _subject(subject: str) -> str | None:
    """The Subject header's value as Django's message writes it, or None (kept for the subjects
    seen last: a bulk activation's thousands of emails share a handful). Django encodes a
    non-ASCII subject as RFC 2047 words (``Header(…, "utf-8").encode()``), and the ``email``
    package's compat32 policy folds a header line longer than 78 characters as below."""
    if "\n" in subject or "\r" in subject:
        return None
    if subject.isascii():
        return subject if len(subject) <= _HEADER_ROOM else None
    # Header(subject, "utf-8").encode() measures every prefix to find where to split (0.6 ms
    # a subject); a subject whose single encoded word fits its 76 characters is that word.
    value = f"=?utf-8?b?{base64.b64encode(subject.encode()).decode('ascii')}?="
    if len(value) > 76:
        value = Header(subject, "utf-8").encode()
    if len(value) > _HEADER_ROOM:
        value = Header(value, header_name="Subject").encode(linesep="\r\n", maxlinelen=78)
    return value


_HEADER_ROOM = 78 - len("Subject: ")


def _make_boundary() -> str:
    """A boundary as the ``email`` package makes one."""
    return "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="  # noqa: S311 - not a secret


def _deliver_one(email: _Claimed, connection, fast: "_FastSmtp | None" = None) -> str:
    """Send one claimed row; on failure record it on the claimed row (back-off, or FAILED) for
    the batch's one UPDATE of failures."""
    try:
        if fast is None or not fast.send(email):
            # Open explicitly: a backend that opens the connection itself inside send() also
            # closes it afterwards, which would cost a new SMTP connection per message.
            connection.open()
            _django_message(email, connection).send()
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
