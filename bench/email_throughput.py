"""Benchmark of the email worker: ``python bench/email_throughput.py [--emails 5000]``.

Queues N activation link emails in the outbox (rendered by the same builder as bulk activation),
starts a real SMTP server on 127.0.0.1 (aiosmtpd in a process of its own, a handler that only
counts), and
times ``emails_deliver`` with Django's SMTP backend pointed at it, one call per BATCH_SIZE ids as
the worker's deliver_emails tasks do (one SMTP connection each), until every row is sent. Prints
messages per second. Target (DESIGN.md): at least 500 a second, reusing connections.

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


def measure(n: int) -> dict:
    """Queue ``n`` emails and send them all to a local SMTP server; Django must be set up."""
    from django.test.utils import override_settings

    from mitid_portal import emails
    from mitid_portal.models import OutboundEmail

    ids = _queue(n)
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
    left = OutboundEmail.objects.filter(to__endswith=DOMAIN).exclude(state=OutboundEmail.State.SENT)
    result = {
        "emails": n,
        "seconds": seconds,
        "per_second": n / seconds,
        "received": received,
        "duplicates": duplicates,
        "not_sent": left.count(),
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
    print(f"not sent: {r['not_sent']}, duplicates at the server: {r['duplicates']}")
    ok = r["per_second"] >= TARGET and r["not_sent"] == 0 and r["duplicates"] == 0
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
