"""Benchmark of bulk activation: ``python bench/bulk_activation.py [--users 50000 [200000 ...]]``.

For each N: creates an organisation with N imported users (one in ten with a birth date only, so
they also get an activation code), times ``users_activation_start`` for all of them until every
invitation and queued email row exists (committed, delivery tasks enqueued) in a fresh
subprocess, and reports that process's peak RSS (VmHWM). In the same run and database it times
the raw insert of the same rows the activation writes – the user rows as the activation leaves
them (inserted as new rows), their *Basispakke* rights, the invitations, the outbox emails with
their rendered texts and the delivery tasks – built in memory beforehand and written with one
``executemany`` (SQLite) or one ``COPY`` (PostgreSQL) per table, in one transaction. Prints both
and their ratio. Targets (issue 14): under 10 s for 50,000, at most 3x the raw insert, and peak
RSS at the largest N at most 1.25x that at the smallest.

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

from bench import _common  # noqa: E402

THROWAWAY: list[str] = []
BENCH_CVR = "99999999"  # not a valid CVR: never collides with the demo world


def _setup(database_url: str | None, *, migrate: bool = True) -> str:
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
    if migrate:
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
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from activation.models import Invitation
    from mitid_portal.models import AuditEvent, OutboundEmail
    from organisations.models import UserRight
    from users.models import User

    Invitation.objects.filter(organisation=organisation).delete()
    OutboundEmail.objects.filter(to__endswith="@region.example.dk").delete()
    DBTaskResult.objects.all().delete()
    AuditEvent.objects.filter(organisation=organisation).delete()
    q = connection.ops.quote_name
    users = User._meta
    with connection.cursor() as cursor:
        # The rights the activation (or the raw insert) gave, and the raw insert's user rows.
        cursor.execute(
            f"DELETE FROM {q(UserRight._meta.db_table)} WHERE user_id IN "  # noqa: S608
            f"(SELECT id FROM {q(users.db_table)} WHERE organisation_id = %s)",
            [organisation.pk],
        )
        cursor.execute(
            f"DELETE FROM {q(users.db_table)} WHERE organisation_id = %s "  # noqa: S608
            "AND username LIKE %s",
            [organisation.pk, "raw-%"],
        )
    User.objects.filter(organisation=organisation).update(state=User.State.IMPORTED, means=[])


MEANS = ["app", "kodeviser"]


def _raw_rows(organisation, sample_invitation) -> list[tuple[str, str, list[tuple]]]:
    """Every row the activation of the organisation's imported users writes, in database form,
    per table: (INSERT statement, COPY statement, rows)."""
    import json
    import uuid

    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    from activation.models import Invitation
    from activation.services.emails import LinkEmailBuilder
    from mitid_portal import emails as outbox
    from mitid_portal.bulk import BulkInserter
    from mitid_portal.models import OutboundEmail
    from organisations.models import PublicService, UserRight
    from users.models import User

    q = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    tables = []

    # The user rows as the activation leaves them (state, means), inserted as new rows: the same
    # columns and indexes, a fresh username (unique) and primary key.
    columns = [f for f in User._meta.concrete_fields if not f.primary_key]
    names = [f.column for f in columns]
    json_columns = {i for i, f in enumerate(columns) if f.get_internal_type() == "JSONField"}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(q(n) for n in names)} FROM {q(User._meta.db_table)} "  # noqa: S608
            "WHERE organisation_id = %s AND state = %s ORDER BY id",
            [organisation.pk, User.State.IMPORTED],
        )
        fetched = cursor.fetchall()
    if postgres:
        from psycopg.types.json import Jsonb

    state, means, username = names.index("state"), names.index("means"), names.index("username")
    users = []
    for row in fetched:
        row = list(row)
        row[state], row[means] = User.State.AWAITING.value, json.dumps(MEANS)
        row[username] = f"raw-{uuid.uuid4().hex}"
        if postgres:
            for i in json_columns:
                row[i] = Jsonb(json.loads(row[i]) if isinstance(row[i], str) else row[i])
        users.append(tuple(row))
    table, cols = q(User._meta.db_table), ", ".join(q(n) for n in names)
    tables.append(
        (
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(names))})",  # noqa: S608
            f"COPY {table} ({cols}) FROM STDIN",
            users,
        )
    )
    del fetched

    pks = list(
        User.objects.filter(organisation=organisation, state=User.State.IMPORTED)
        .order_by("pk")
        .values_list("pk", "first_name", "last_name", "email", "cpr_hash", "language")
    )
    now = timezone.now()

    # Rights: the Basispakke of every user.
    services = list(
        PublicService.objects.filter(in_basic_package=True).values_list("pk", flat=True)
    )
    inserter = BulkInserter(
        UserRight,
        template=UserRight(granted_by_name="MitID Erhverv (activate_users)", granted_at=now),
        varying=("user_id", "service_id"),
    )
    tables.append(
        (
            inserter.sql,
            inserter.copy_sql,
            inserter._params([(pk, s) for pk, *_ in pks for s in services]),
        )
    )

    # Invitations.
    template = Invitation(
        organisation=organisation,
        means=MEANS,
        created_by_name=sample_invitation.created_by_name,
        created_at=now,
        expires_at=sample_invitation.expires_at,
    )
    inserter = BulkInserter(
        Invitation, template=template, varying=("user_id", "token_hash", "code_hash")
    )
    tables.append(
        (
            inserter.sql,
            inserter.copy_sql,
            inserter._params(
                [
                    (pk, secrets.token_hex(32), "" if cpr_hash else secrets.token_hex(32))
                    for pk, _f, _l, _e, cpr_hash, _lang in pks
                ]
            ),
        )
    )

    # The outbox: the same rendered emails.
    builder = LinkEmailBuilder(organisation=organisation, expires_at=sample_invitation.expires_at)
    inserter = BulkInserter(
        OutboundEmail, template=OutboundEmail(), varying=outbox.QUEUED_BULK_COLUMNS
    )
    tables.append(
        (
            inserter.sql,
            inserter.copy_sql,
            inserter._params(
                [
                    builder.values(
                        to=email,
                        name=f"{first} {last}".strip(),
                        token=secrets.token_urlsafe(32),
                        code_required=not cpr_hash,
                        event_key=f"raw-{i}",
                        language=language,
                    )
                    for i, (_pk, first, last, email, cpr_hash, language) in enumerate(pks)
                ]
            ),
        )
    )

    # The delivery tasks: one per BATCH_SIZE emails.
    fields = DBTaskResult._meta.concrete_fields
    tasks = []
    for start in range(0, len(pks), outbox.BATCH_SIZE):
        values = {
            "id": uuid.uuid4(),
            "status": "READY",
            "enqueued_at": now,
            "args_kwargs": {
                "args": [],
                "kwargs": {"ids": list(range(start, start + outbox.BATCH_SIZE))},
            },
            "priority": 0,
            "run_after": get_date_max(),
            "task_path": "mitid_portal.emails.deliver_emails",
            "worker_ids": [],
            "queue_name": "default",
            "backend_name": "default",
            "return_value": None,
            "exception_class_path": "",
            "traceback": "",
        }
        tasks.append(
            tuple(f.get_db_prep_save(values.get(f.attname), connection=connection) for f in fields)
        )
    table, cols = q(DBTaskResult._meta.db_table), ", ".join(q(f.column) for f in fields)
    tables.append(
        (
            f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})",  # noqa: S608
            f"COPY {table} ({cols}) FROM STDIN",
            tasks,
        )
    )
    return tables


def _raw_insert(organisation, sample_invitation) -> tuple[dict[str, float], int]:
    """The floor: the same rows, built beforehand, inserted in one transaction with one
    executemany (SQLite) or one COPY (PostgreSQL) per table. Returns the seconds of each part
    (``_common.raw_insert_timed``) and the number of rows."""
    from django.db import connection

    tables = [
        (copy_sql.split()[1].strip('"'), sql, copy_sql, params)
        for sql, copy_sql, params in _raw_rows(organisation, sample_invitation)
    ]
    rows = sum(len(t[3]) for t in tables)
    parts = _common.raw_insert_timed(connection, tables)
    del tables
    return parts, rows


def _peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(n: int, profile: str | None) -> int:
    """The measured part, in a fresh process: activate every imported user of the organisation."""
    from django.urls import get_resolver

    from activation.services import users_activation_start
    from organisations.models import Organisation
    from users.models import User

    # As in the web or task worker that runs it: the URLconf is loaded (the first reverse() would
    # import every view module, seconds that have nothing to do with the activation).
    get_resolver().url_patterns  # noqa: B018
    organisation = Organisation.objects.get(cvr=BENCH_CVR)
    imported = User.objects.filter(organisation=organisation, state=User.State.IMPORTED)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = users_activation_start(
        organisation=organisation, users=imported, means=MEANS, actor=None
    )
    seconds = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    print(f"child seconds: {seconds:.4f}")
    print(f"child count: {len(result)}")
    print(f"child peak RSS MB: {_peak_rss_mb():.1f}")
    return 0


def _measure(n: int, profile: str | None) -> dict:
    import re
    import subprocess

    from django.db import connection

    from activation.models import Invitation
    from activation.services import users_activation_start
    from mitid_portal.models import OutboundEmail
    from users.models import User

    started = time.perf_counter()
    organisation = _seed(n)
    print(f"seeded {n} imported users in {time.perf_counter() - started:.1f} s")

    # The invitation's fixed values for the raw insert: start one user's activation.
    one = User.objects.filter(organisation=organisation).order_by("pk")[:1]
    (sample,) = users_activation_start(
        organisation=organisation, users=one, means=MEANS, actor=None
    )
    _clean(organisation)

    raw_parts, raw_rows = _raw_insert(organisation, sample)
    raw = raw_parts["total"]
    _clean(organisation)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()  # the child has the database to itself

    command = [sys.executable, __file__, "--child", "--users", str(n)]
    if profile:
        command += ["--profile", profile]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        print(done.stdout, done.stderr)
        raise RuntimeError("the activation subprocess failed")

    def number(name: str) -> float:
        return float(re.search(rf"{name}:\s+([\d.]+)", done.stdout).group(1))

    seconds, count, rss = (
        number("child seconds"),
        number("child count"),
        number("child peak RSS MB"),
    )
    live = Invitation.objects.filter(organisation=organisation, state="live").count()
    queued = OutboundEmail.objects.filter(
        to__endswith="@region.example.dk", event_key__startswith="activation-link-"
    ).count()
    assert count == live == queued == n, (count, live, queued)
    with_code = Invitation.objects.filter(organisation=organisation).exclude(code_hash="").count()

    print(f"users: {n} ({with_code} with an activation code)")
    print(f"invitations: {live}, queued emails: {queued}")
    print(f"users_activation_start: {seconds:.2f} s ({n / seconds:,.0f} users/s)")
    print(f"raw bulk insert of the same rows: {raw:.2f} s ({raw_rows} rows, executemany/COPY)")
    print(_common.raw_parts_line(raw_parts))
    print(f"ratio: {seconds / raw:.2f}x the raw insert (target <= 3x)")
    print(f"peak RSS of the activating process: {rss:.0f} MB")
    print(f"target < 10 s: {'met' if seconds < 10 else 'MISSED'}")
    _clean(organisation)
    return {"seconds": seconds, "raw": raw, "rss": rss}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[50_000])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", default=None, help="write the activation's cProfile here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup(None, migrate=False)
        return _child(args.users[0], args.profile)
    url = _setup(args.database_url)

    from django.db import connection

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    results = []
    try:
        for n in args.users:
            results.append((n, _measure(n, args.profile)))
    finally:
        for path in THROWAWAY:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(path + suffix).unlink(missing_ok=True)
    ok = all(r["seconds"] < 10 for n, r in results if n <= 50_000)
    ok = ok and all(r["seconds"] <= 3 * r["raw"] for _n, r in results)
    if len(results) > 1:
        (small_n, small), (large_n, large) = results[0], results[-1]
        growth = large["rss"] / small["rss"]
        print(
            f"peak RSS {small_n:,} -> {large_n:,}: {small['rss']:.0f} MB -> {large['rss']:.0f} MB, "
            f"{growth:.2f}x (target <= 1.25x)"
        )
        ok = ok and growth <= 1.25
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
