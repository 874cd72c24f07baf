"""Benchmark of bulk activation: ``python bench/bulk_activation.py [--users 50000]``.

Creates an organisation with N imported users (one in ten with a birth date only, so they also get
an activation code), times ``users_activation_start`` for all of them until every invitation and
queued email row exists (committed, delivery tasks enqueued), and in the same run and database a
raw bulk insert of the same number of Invitation and OutboundEmail rows of the same size. Prints
both and their ratio. Target (DESIGN.md): under 10 s for 50,000.

The database is ``DATABASE_URL`` when set; otherwise a throwaway SQLite file under /tmp, migrated
here, so the development database is never touched.
"""

import argparse
import datetime
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

THROWAWAY: list[str] = []
BENCH_CVR = "99999999"  # not a valid CVR: never collides with the demo world


def _setup(database_url: str | None) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mitid_portal.settings")
    os.environ.setdefault("DEBUG", "false")  # as in production: no per-query debug log
    # Emails wait in the database for the worker, as in production without Redis.
    os.environ.setdefault("TASK_BACKEND", "database")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    elif not os.environ.get("DATABASE_URL"):
        handle, path = tempfile.mkstemp(prefix="mitid-bench-", suffix=".sqlite3", dir="/tmp")
        os.close(handle)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        THROWAWAY.append(path)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    return os.environ["DATABASE_URL"]


def _seed(n: int):
    from mitid_portal import crypto
    from organisations.models import Organisation
    from users.models import User, new_username

    organisation, _ = Organisation.objects.get_or_create(
        cvr=BENCH_CVR,
        defaults={
            "name": "Region Benchmark",
            "allowed_means": ["app", "kodeviser"],
            "preferred_means": "app",
        },
    )
    _clean(organisation)
    User.objects.filter(organisation=organisation).delete()
    users = []
    for i in range(n):
        birth_date_only = i % 10 == 0
        cpr = "" if birth_date_only else f"{(i % 28) + 1:02d}0185{i % 10000:04d}"
        users.append(
            User(
                username=new_username(),
                organisation=organisation,
                first_name=f"Medarbejder{i}",
                last_name="Jensen",
                email=f"medarbejder{i}@region.example.dk",
                cpr=cpr,
                cpr_hash=crypto.cpr_hash(cpr) if cpr else "",
                birth_date=datetime.date(1985, 1, (i % 28) + 1),
                rid=str(100000 + i),
                state=User.State.IMPORTED,
                password="!",
            )
        )
    User.objects.bulk_create(users, batch_size=2000)
    return organisation


def _clean(organisation) -> None:
    from django_tasks_db.models import DBTaskResult

    from activation.models import Invitation
    from mitid_portal.models import OutboundEmail
    from users.models import User

    Invitation.objects.filter(organisation=organisation).delete()
    OutboundEmail.objects.filter(to__endswith="@region.example.dk").delete()
    DBTaskResult.objects.all().delete()
    User.objects.filter(organisation=organisation).update(state=User.State.IMPORTED, means=[])


def _raw_insert(organisation, sample_email) -> float:
    """The floor: the same number of rows, built beforehand, inserted in one transaction."""
    from django.db import transaction
    from django.utils import timezone

    from activation.models import Invitation
    from mitid_portal.models import OutboundEmail
    from users.models import User

    pks = list(
        User.objects.filter(organisation=organisation, state=User.State.IMPORTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    invitations = [
        Invitation(
            user_id=pk,
            organisation=organisation,
            token_hash=secrets.token_hex(32),
            code_hash=secrets.token_hex(32) if i % 10 == 0 else "",
            means=["app"],
            created_by_name="Benchmark",
            created_at=now,
            expires_at=now + datetime.timedelta(days=30),
        )
        for i, pk in enumerate(pks)
    ]
    emails = [
        OutboundEmail(
            to=f"medarbejder{i}@region.example.dk",
            subject=sample_email.subject,
            body_text=sample_email.body_text,
            body_html=sample_email.body_html,
            event_key=f"raw-{i}",
        )
        for i in range(len(pks))
    ]
    started = time.perf_counter()
    with transaction.atomic():
        Invitation.objects.bulk_create(invitations, batch_size=2000)
        OutboundEmail.objects.bulk_create(emails, batch_size=1000)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = _setup(args.database_url)

    from django.db import connection

    from activation.models import Invitation
    from activation.services import users_activation_start
    from mitid_portal.models import OutboundEmail
    from users.models import User

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    started = time.perf_counter()
    organisation = _seed(args.users)
    print(f"seeded {args.users} imported users in {time.perf_counter() - started:.1f} s")

    # A realistic email of the same size for the raw insert: render one through the service.
    one = User.objects.filter(organisation=organisation).order_by("pk")[:1]
    users_activation_start(organisation=organisation, users=one, means=["app"], actor=None)
    sample = OutboundEmail.objects.filter(to__endswith="@region.example.dk").first()
    _clean(organisation)

    raw = _raw_insert(organisation, sample)
    _clean(organisation)

    imported = User.objects.filter(organisation=organisation, state=User.State.IMPORTED)
    started = time.perf_counter()
    invitations = users_activation_start(
        organisation=organisation, users=imported, means=["app", "kodeviser"], actor=None
    )
    seconds = time.perf_counter() - started

    live = Invitation.objects.filter(organisation=organisation, state="live").count()
    queued = OutboundEmail.objects.filter(
        to__endswith="@region.example.dk", event_key__startswith="activation-link-"
    ).count()
    assert len(invitations) == live == queued == args.users, (len(invitations), live, queued)
    with_code = Invitation.objects.filter(organisation=organisation).exclude(code_hash="").count()

    print(f"users: {args.users} ({with_code} with an activation code)")
    print(f"invitations: {live}, queued emails: {queued}")
    print(f"users_activation_start: {seconds:.2f} s ({args.users / seconds:,.0f} users/s)")
    print(f"raw bulk insert of the same rows: {raw:.2f} s")
    print(f"ratio: {seconds / raw:.2f}x the raw insert")
    print(f"target < 10 s: {'met' if seconds < 10 else 'MISSED'}")
    for path in THROWAWAY:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(path + suffix).unlink(missing_ok=True)
    return 0 if seconds < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
