"""Benchmark of the NemID import: ``python bench/import_nemid.py [--employees 50000]``.

Seeds the large demo organisation with N NemID signatures (1–3 rights each), then:

1. runs ``users_import_from_nemid`` in a fresh child process and prints its time and the child's
   peak RSS (``ru_maxrss``: the import's own memory, Django included, nothing of the seeding);
2. reads back every row the import wrote – users, their rights and the report rows, every column
   as stored – deletes them, and times the raw insert of exactly those rows: one ``executemany``
   (SQLite) or one ``COPY`` (PostgreSQL) per table, in one transaction, from rows already in
   memory and already in database form. That leaves the database as the import left it.

Prints import time, raw time, their ratio and the peak RSS. Targets (issue 14): within 3x of raw,
under 5 s for 50,000; peak RSS at 200,000 at most 1.25x that at 50,000 (run both sizes).
``--profile FILE`` writes a cProfile of the import (in the child) to FILE.

The database is ``DATABASE_URL`` when set; otherwise a throwaway SQLite file under /tmp, migrated
here, so the development database is never touched.
"""

import argparse
import datetime
import decimal
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

RESULT = "BENCH-RESULT "


def _child(profile: str | None) -> int:
    """The import itself, in this fresh process; prints one JSON line."""
    import resource

    _common.setup_django(migrate=False)
    from organisations.models import Organisation
    from simulators import demo
    from users.services import users_import_from_nemid

    organisation = Organisation.objects.get(cvr=demo.LARGE_CVR)
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    run = users_import_from_nemid(organisation=organisation, started_by_name="Benchmark")
    seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "seconds": seconds,
        "peak_kb": peak_kb,
        "run": run.pk,
        "state": run.state,
        "error": run.error,
        "imported": run.imported,
        "skipped": run.skipped,
        "flagged": run.flagged,
    }
    print(RESULT + json.dumps(result))
    return 0


def _vacuum(connection, tables: list[str]) -> None:
    """PostgreSQL: no dead rows of an earlier run, fresh statistics; the same start for both."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


def _read(connection, sql: str, params: list) -> tuple[list[str], list[tuple]]:
    """Every column of the rows as stored (no decryption, no ORM), in database form."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        # Django's sqlite3 converters turned dates and timestamps into objects: back to text.
        def stored(value):
            if isinstance(value, (datetime.date, datetime.time)):
                return str(value)
            if isinstance(value, decimal.Decimal):
                return str(value)
            return value

        rows = [tuple(stored(v) for v in row) for row in rows]
    return columns, rows


def _raw_insert(connection, tables: list[tuple[str, list[str], list[tuple]]]) -> dict[str, float]:
    """One executemany (SQLite) or one COPY (PostgreSQL) per table, in one transaction; the
    seconds of each part (``_common.raw_insert_timed``)."""
    quote = connection.ops.quote_name
    statements = []
    for table, columns, rows in tables:
        names = ", ".join(quote(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        statements.append(
            (
                table,
                f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
                f"COPY {quote(table)} ({names}) FROM STDIN",
                rows,
            )
        )
    return _common.raw_insert_timed(connection, statements)


class _Undo(Exception):
    """Rolls back a measurement's transaction."""


def _index_upkeep(
    connection,
    table: str,
    rights_table: str,
    users: tuple[list[str], list[tuple]],
    *,
    organisation_id: int,
) -> tuple[float, float, int]:
    """The users' COPY timed twice in transactions that are rolled back, after deleting the rows
    the raw insert wrote: with the table's indexes, then without its non-unique ones (dropped
    inside the transaction; the unique ones are constraints). What keeping those indexes costs the
    insert, which the import and the raw insert both pay. Needs the database to itself: DROP
    INDEX locks the table until the rollback."""
    from django.db import transaction

    quote = connection.ops.quote_name
    columns, rows = users
    copy_sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    seconds: list[float] = []
    dropped = 0
    for drop in (False, True):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {quote(rights_table)} WHERE user_id IN "  # noqa: S608
                    f"(SELECT id FROM {quote(table)} WHERE organisation_id = %s "
                    "AND nemid_employee_id IS NOT NULL)",
                    [organisation_id],
                )
                cursor.execute(
                    f"DELETE FROM {quote(table)} WHERE organisation_id = %s "  # noqa: S608
                    "AND nemid_employee_id IS NOT NULL",
                    [organisation_id],
                )
                if drop:
                    cursor.execute(
                        "SELECT indexrelid::regclass::text FROM pg_index "
                        "WHERE indrelid = %s::regclass AND NOT indisunique",
                        [table],
                    )
                    names = [name for (name,) in cursor.fetchall()]
                    for name in names:
                        cursor.execute(f"DROP INDEX {name}")
                    dropped = len(names)
                started = time.perf_counter()
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                seconds.append(time.perf_counter() - started)
                raise _Undo
        except _Undo:
            pass
    return seconds[0], seconds[1], dropped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", default=None, metavar="FILE")
    parser.add_argument(
        "--index-upkeep",
        action="store_true",
        help="PostgreSQL: also time the users' COPY without the table's non-unique indexes",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args.profile)
    url = _common.setup_django(args.database_url)

    from django.db import connection

    from activation.demo import demo_seed as portal_demo_seed
    from mitid_portal.demo import DemoRun
    from organisations.models import Organisation, UserRight
    from simulators import demo
    from simulators.nemid.models import NemIDEmployee, NemIDRight
    from users.models import ImportReportRow, ImportRun, User

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    started = time.perf_counter()
    added = demo.demo_large_organisation_seed(employees=args.employees)
    # The portal connects the large organisation, as seed_demo --employees N does.
    portal_demo_seed(DemoRun(connections=[demo.demo_connection(demo.LARGE)]))
    print(f"seeded {added} NemID signatures in {time.perf_counter() - started:.1f} s")
    organisation = Organisation.objects.get(cvr=demo.LARGE_CVR)

    def imported_users():
        return User.objects.filter(organisation=organisation, nemid_employee_id__isnull=False)

    def clean() -> None:
        """No imported users, rights or runs of the organisation (an earlier run of the bench)."""
        UserRight.objects.filter(user__in=imported_users()).delete()
        imported_users().delete()
        ImportRun.objects.filter(organisation=organisation).delete()

    clean()
    count = NemIDEmployee.objects.filter(cvr=demo.LARGE_CVR).count()
    rights_count = NemIDRight.objects.filter(employee__cvr=demo.LARGE_CVR).count()
    tables = [User._meta.db_table, UserRight._meta.db_table, ImportReportRow._meta.db_table]
    _vacuum(connection, tables)
    connection.close()

    # 1. The import, in a child process of its own (its peak RSS is the import's).
    argv = [sys.executable, __file__, "--child"]
    if args.profile:
        argv += ["--profile", args.profile]
    env = {**os.environ, "DATABASE_URL": url}
    child = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    line = next((x for x in child.stdout.splitlines() if x.startswith(RESULT)), None)
    if child.returncode or line is None:
        print(child.stdout[-3000:], child.stderr[-3000:], file=sys.stderr)
        raise SystemExit("the import's child process failed")
    result = json.loads(line[len(RESULT) :])
    assert result["state"] == ImportRun.State.DONE, result["error"]
    users_count = imported_users().count()
    assert users_count >= count - 1, "not every signature became a user"

    # 2. The raw insert of exactly the rows the import wrote, every column as stored.
    user_table, right_table, report_table = (connection.ops.quote_name(t) for t in tables)
    where_users = "organisation_id = %s AND nemid_employee_id IS NOT NULL"
    users = _read(connection, f"SELECT * FROM {user_table} WHERE {where_users}", [organisation.pk])
    rights = _read(
        connection,
        f"SELECT * FROM {right_table} WHERE user_id IN "  # noqa: S608
        f"(SELECT id FROM {user_table} WHERE {where_users})",
        [organisation.pk],
    )
    report = _read(connection, f"SELECT * FROM {report_table} WHERE run_id = %s", [result["run"]])  # noqa: S608
    ImportReportRow.objects.filter(run_id=result["run"]).delete()
    clean_rights = UserRight.objects.filter(user__in=imported_users())
    clean_rights._raw_delete(clean_rights.db)
    imported_users()._raw_delete(User.objects.db)
    _vacuum(connection, tables)
    run = ImportRun.objects.get(pk=result["run"])
    raw_parts = _raw_insert(
        connection,
        [
            (tables[0], *users),
            (tables[1], *rights),
            (tables[2], *report),
        ],
    )
    raw_seconds = raw_parts["total"]
    assert imported_users().count() == users_count
    upkeep = None
    if args.index_upkeep and connection.vendor == "postgresql":
        upkeep = _index_upkeep(
            connection, tables[0], tables[1], users, organisation_id=organisation.pk
        )
    del users, rights, report

    import_seconds = result["seconds"]
    ratio = import_seconds / raw_seconds
    print(f"employees:       {count} ({rights_count} rights)")
    print(f"import seconds:  {import_seconds:.2f}")
    print(
        f"raw seconds:     {raw_seconds:.2f} (the same users, rights and report rows: one "
        f"{'COPY' if connection.vendor == 'postgresql' else 'executemany'} per table, "
        "one transaction)"
    )
    print(f"ratio:           {ratio:.2f}x (target < 3x)")
    print(_common.raw_parts_line(raw_parts))
    if upkeep:
        with_indexes, without, dropped = upkeep
        print(
            f"index upkeep:    users_user's COPY {with_indexes:.2f} s with its indexes, "
            f"{without:.2f} s without its {dropped} non-unique ones "
            f"(≈ {with_indexes - without:.2f} s keeping them)"
        )
    # bench/run.py reads a floor too: the raw insert is the floor now.
    print(f"floor seconds:   {raw_seconds:.2f} (= raw)")
    print(f"peak RSS MB:     {result['peak_kb'] / 1024:.0f} (the import's child process)")
    print(f"imported {run.imported}, skipped {run.skipped}, flagged {run.flagged}")

    clean()
    # The 5-second target is stated for 50,000 employees; the ratio holds at every size.
    ok = ratio < 3 and (import_seconds < 5 or count != 50_000)
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        code = main()
    finally:
        _common.cleanup()
    raise SystemExit(code)
