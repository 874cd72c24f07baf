"""Benchmark of the email worker: ``python bench/email_throughput.py [--emails 5000]``.

Queues N activation link emails in the outbox (rendered by the same builder as bulk activation),
starts a real SMTP server on 127.0.0.1 (aiosmtpd in a process of its own, a handler that only
counts), and times ``emails_deliver`` with Django's SMTP backend pointed at it, one call per
BATCH_SIZE ids as the worker's deliver_emails tasks do (one SMTP connection each), until every row
is sent. In the same run, against the same server, a bare ``smtplib`` client sends the same
messages (their bytes as Django builds them, made before the clock starts) over one connection:
the raw rate. Prints both rates and their ratio. Targets: at least 500 a second, and at least 0.5x
the raw client's rate (issue 14).

The database is ``DATABASE_URL`` when set; otherwise a throwaway SQLite file under /tmp.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

TARGET = 500  # messages a second
TARGET_RATIO = 0.5  # of the bare smtplib client's rate
DOMAIN = "@throughput.example.dk"


def _queue(n: int) -> list[int]:
    from django.utils import timezone

    from activation.services.emails import LinkEmailBuilder
    from mitid_portal.models import OutboundEmail
    from organisations.models import Organisation

    OutboundEmail.objects.filter(to__endswith=DOMAIN).delete()
    organisation = Organisation(cvr="99999998", name="Region Gennemløb")
    builder = LinkEmailBuilder(
        organisation=organisation, expires_at=timezone.now() + datetime.timedelta(days=30)
    )
    rows = [
        builder.row(
            to=f"medarbejder{i}{DOMAIN}",
            name=f"Medarbejder {i} Jensen",
            token=f"tok{i:040d}",
            code_required=i % 10 == 0,
            event_key=f"throughput-{i}",
        )
        for i in range(n)
    ]
    OutboundEmail.objects.bulk_create(rows, batch_size=1000)
    return list(
        OutboundEmail.objects.filter(to__endswith=DOMAIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _raw_messages(n: int) -> list[tuple[str, str, bytes]]:
    """The same emails as bytes, built as Django builds them, for the bare client."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives

    from mitid_portal.models import OutboundEmail

    messages = []
    rows = OutboundEmail.objects.filter(to__endswith=DOMAIN).order_by("pk")
    for row in rows.iterator(chunk_size=1000):
        message = EmailMultiAlternatives(
            subject=row.subject,
            body=row.body_text,
            to=[row.to],
            headers={"Message-ID": f"<outbox-{row.pk}@mitid-erhverv.test>"},
        )
        message.attach_alternative(row.body_html, "text/html")
        data = message.message().as_bytes(linesep="\r\n")
        messages.append((settings.DEFAULT_FROM_EMAIL.split("<")[-1].rstrip(">"), row.to, data))
    assert len(messages) == n
    return messages


def _raw_send(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    """A bare smtplib client: one connection, one sendmail per message. Returns seconds."""
    import smtplib

    started = time.perf_counter()
    client = smtplib.SMTP("127.0.0.1", port, timeout=10)
    for sender, to, data in messages:
        client.sendmail(sender, [to], data)
    client.quit()
    return time.perf_counter() - started


def measure(n: int) -> dict:
    """Queue ``n`` emails and send them all to a local SMTP server; Django must be set up. Then
    the bare client sends the same messages to the same server (a second server process, so
    that each count is its own)."""
    from django.test.utils import override_settings

    from mitid_portal import emails
    from mitid_portal.models import OutboundEmail

    ids = _queue(n)
    raw_messages = _raw_messages(n)
    with (
        _common.CountingSmtpServerProcess() as server,
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=server.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=10,
        ),
    ):
        started = time.perf_counter()
        # As the worker does: one deliver_emails task per BATCH_SIZE ids (the rows of other
        # benchmarks in the same database are left alone).
        for start in range(0, len(ids), emails.BATCH_SIZE):
            emails.emails_deliver(ids=ids[start : start + emails.BATCH_SIZE])
        seconds = time.perf_counter() - started
    received, duplicates = server.received, server.duplicates
    with _common.CountingSmtpServerProcess() as raw_server:
        raw_seconds = _raw_send(raw_server.port, raw_messages)
    raw_received = raw_server.received
    del raw_messages
    left = OutboundEmail.objects.filter(to__endswith=DOMAIN).exclude(state=OutboundEmail.State.SENT)
    result = {
        "emails": n,
        "seconds": seconds,
        "per_second": n / seconds,
        "received": received,
        "duplicates": duplicates,
        "not_sent": left.count(),
        "raw_seconds": raw_seconds,
        "raw_per_second": n / raw_seconds,
        "raw_received": raw_received,
        "ratio": raw_seconds / seconds,
    }
    OutboundEmail.objects.filter(to__endswith=DOMAIN).delete()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=5_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        r = measure(args.emails)
    finally:
        _common.cleanup()
    print(f"emails:      {r['emails']} (received by the server: {r['received']})")
    print(f"seconds:     {r['seconds']:.2f}")
    print(f"throughput:  {r['per_second']:,.0f} messages/s (target >= {TARGET})")
    print(
        f"raw smtplib: {r['raw_per_second']:,.0f} messages/s, {r['raw_seconds']:.2f} s "
        f"(received: {r['raw_received']})"
    )
    print(f"ratio:       {r['ratio']:.2f}x the raw client's rate (target >= {TARGET_RATIO})")
    print(f"not sent: {r['not_sent']}, duplicates at the server: {r['duplicates']}")
    ok = r["per_second"] >= TARGET and r["not_sent"] == 0 and r["duplicates"] == 0
    ok = ok and r["ratio"] >= TARGET_RATIO
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
