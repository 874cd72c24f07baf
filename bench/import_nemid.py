"""Benchmark of the NemID import: ``python bench/import_nemid.py [--employees 50000]``.

Seeds the large demo organisation with N NemID signatures (1–3 rights each), times
``users_import_from_nemid`` and, in the same run and database, a raw bulk insert of the same rows
(users and rights with ``bulk_create``, the same fields, one transaction), and prints both and
their ratio. Targets (DESIGN.md): under 5 s for 50,000 and within 3x of the raw insert.

The database is ``DATABASE_URL`` when set; otherwise a throwaway SQLite file under /tmp, migrated
here, so the development database is never touched.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


THROWAWAY: list[str] = []


def _setup(database_url: str | None) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mitid_portal.settings")
    os.environ.setdefault("DEBUG", "false")  # as in production: no per-query debug log
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = _setup(args.database_url)

    from django.db import connection, transaction

    from activation.demo import demo_seed as portal_demo_seed
    from mitid_portal import crypto
    from mitid_portal.bulk import BulkInserter
    from mitid_portal.demo import DemoRun
    from organisations.models import Organisation, PublicService, UserRight
    from simulators import demo
    from simulators.nemid.models import NemIDEmployee, NemIDRight
    from users.models import ImportRun, User, new_username
    from users.services import users_import_from_nemid
    from users.services.import_nemid import USER_COLUMNS

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    started = time.perf_counter()
    added = demo.demo_large_organisation_seed(employees=args.employees)
    # The portal connects the large organisation, as seed_demo --employees N does.
    portal_demo_seed(DemoRun(connections=[demo.demo_connection(demo.LARGE)]))
    print(f"seeded {added} NemID signatures in {time.perf_counter() - started:.1f} s")
    organisation = Organisation.objects.get(cvr=demo.LARGE_CVR)

    # A previous run of the benchmark on the same database: start from no imported users.
    previous = User.objects.filter(organisation=organisation, nemid_employee_id__isnull=False)
    if previous.exists():
        UserRight.objects.filter(user__in=previous).delete()
        previous.delete()
    ImportRun.objects.filter(organisation=organisation).delete()

    employees = NemIDEmployee.objects.filter(cvr=demo.LARGE_CVR)
    count = employees.filter(status=NemIDEmployee.Status.ACTIVE).count()
    rights_count = NemIDRight.objects.filter(employee__cvr=demo.LARGE_CVR).count()

    started = time.perf_counter()
    run = users_import_from_nemid(organisation=organisation, started_by_name="Benchmark")
    import_seconds = time.perf_counter() - started
    imported_users = User.objects.filter(organisation=organisation, nemid_employee_id__isnull=False)
    assert run.state == ImportRun.State.DONE, run.error
    assert imported_users.count() >= count - 1, "not every signature became a user"

    # The raw insert: the same rows and fields, read beforehand, into a scratch organisation.
    scratch, _ = Organisation.objects.get_or_create(cvr="00000000", name="Benchmark (raw)")
    rows = list(
        employees.filter(status=NemIDEmployee.Status.ACTIVE).values_list(
            "pk", "rid", "first_name", "last_name", "email", "cpr", "cpr_hash", "birth_date"
        )
    )
    rights: dict[int, list[str]] = {}
    for employee_id, code in NemIDRight.objects.filter(employee__cvr=demo.LARGE_CVR).values_list(
        "employee_id", "service_code"
    ):
        rights.setdefault(employee_id, []).append(code)
    service_ids = dict(PublicService.objects.values_list("code", "pk"))
    users = [
        User(
            organisation=scratch,
            first_name=first,
            last_name=last,
            email=email,
            cpr=cpr,
            cpr_hash=cpr_hash,
            birth_date=birth,
            rid=rid,
            state=User.State.IMPORTED,
            nemid_employee_id=pk,
            password="!",
        )
        for pk, rid, first, last, email, cpr, cpr_hash, birth in rows
    ]
    started = time.perf_counter()
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=1000)
        UserRight.objects.bulk_create(
            [
                UserRight(user_id=user.pk, service_id=service_ids[code], from_rid=user.rid)
                for user in users
                for code in rights.get(user.nemid_employee_id, ())
            ],
            batch_size=1000,
        )
    raw_seconds = time.perf_counter() - started
    UserRight.objects.filter(user__organisation=scratch).delete()
    User.objects.filter(organisation=scratch).delete()

    # The floor: the same rows through the import's own BulkInserter (COPY on PostgreSQL,
    # executemany elsewhere), CPR encryption included, without reading or checking anything.
    started = time.perf_counter()
    with transaction.atomic():
        BulkInserter(
            User,
            template=User(organisation=scratch, state=User.State.IMPORTED, password="!"),
            varying=USER_COLUMNS,
        ).insert(
            (
                new_username(),
                first,
                last,
                email,
                crypto.encrypt(cpr) if cpr else "",
                cpr_hash,
                connection.ops.adapt_datefield_value(birth),
                rid,
                False,
                pk,
            )
            for pk, rid, first, last, email, cpr, cpr_hash, birth in rows
        )
        user_of = dict(
            User.objects.filter(organisation=scratch).values_list("nemid_employee_id", "pk")
        )
        BulkInserter(
            UserRight, template=UserRight(), varying=("user_id", "service_id", "from_rid")
        ).insert(
            (user_of[pk], service_ids[code], rid)
            for pk, rid, *_rest in rows
            for code in rights.get(pk, ())
        )
    floor_seconds = time.perf_counter() - started
    UserRight.objects.filter(user__organisation=scratch).delete()
    User.objects.filter(organisation=scratch).delete()
    scratch.delete()

    ratio = import_seconds / raw_seconds
    print(f"employees:       {count} ({rights_count} rights)")
    print(f"import seconds:  {import_seconds:.2f}")
    print(f"raw seconds:     {raw_seconds:.2f} (bulk_create, same rows and fields)")
    print(f"ratio:           {ratio:.2f}x (target < 3x)")
    print(
        f"floor seconds:   {floor_seconds:.2f} (BulkInserter, same rows, CPR encryption included)"
    )
    print(f"ratio to floor:  {import_seconds / floor_seconds:.2f}x")
    print(f"imported {run.imported}, skipped {run.skipped}, flagged {run.flagged}")
    ok = import_seconds < 5 and ratio < 3
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        code = main()
    finally:
        for path in THROWAWAY:
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
    raise SystemExit(code)
