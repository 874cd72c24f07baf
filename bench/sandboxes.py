"""Benchmark of the exercises (øvelser): ``python bench/sandboxes.py [--sandboxes 1000]``.

Creates one sandbox (``mitid_portal.sandboxes.sandbox_create``, the demo world in it) and renders,
as that sandbox's organisation administrator (the hosted mode: ``SANDBOXES`` on, the exercise's
signed cookie, Django's test client), *Brugere*, *Brugerinformation* of one user, *Overblik* and
the *Revisionslog*: query count (CaptureQueriesContext) and median server-side time. Then creates
N - 1 more sandboxes with ``sandbox_create``, one by one, and renders the same pages in the same
sandbox again. Target (issue 12): creating a sandbox takes under 1 s, and with N sandboxes every
page has the query count of a database with one, and its time within noise.

On PostgreSQL the tables are ANALYZEd before each round of pages (autovacuum would do so on a
server; the planner's choice of index depends on it). The database is ``DATABASE_URL`` when set;
otherwise a throwaway SQLite file under /tmp.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

REPEAT = 15  # renders per page and round; the median is reported
FIRST = 5  # creations timed for the median while the database holds few sandboxes
PAGES = ("Brugere", "Brugerinformation", "Overblik", "Revisionslog")


def _create(count: int) -> list[float]:
    """Create ``count`` sandboxes one by one; the seconds each took."""
    from mitid_portal.sandboxes import sandbox_create

    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        sandbox_create(name="bench")
        seconds.append(time.perf_counter() - started)
    return seconds


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _client(sandbox):
    """A test client in ``sandbox``'s exercise, logged in as its organisation administrator;
    the URL of each page."""
    from django.http import HttpResponse
    from django.test import Client
    from django.urls import reverse

    from mitid_portal.sandbox import sandbox_scope
    from mitid_portal.sandbox_middleware import sandbox_cookie_set
    from organisations.models import RoleGrant
    from users.models import User

    with sandbox_scope(sandbox.pk):
        grant = RoleGrant.objects.select_related("user").get(role=RoleGrant.Role.ORGANISATION_ADMIN)
        admin = grant.user
        other = User.objects.filter(organisation=admin.organisation).exclude(pk=admin.pk).first()
    client = Client()
    cookie = HttpResponse()
    sandbox_cookie_set(cookie, sandbox_id=sandbox.pk, expires_at=sandbox.expires_at.timestamp())
    client.cookies.update(cookie.cookies)
    client.force_login(admin)
    urls = {
        "Brugere": reverse("users:list"),
        "Brugerinformation": reverse("users:detail", args=[(other or admin).pk]),
        "Overblik": reverse("activation:migration_overview"),
        "Revisionslog": reverse("organisations:audit_log"),
    }
    return client, urls


def pages(sandbox, repeat: int = REPEAT) -> dict[str, dict]:
    """Each page for ``sandbox``'s administrator: HTTP status, query count, median seconds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    result = {}
    with override_settings(SANDBOXES=True):
        client, urls = _client(sandbox)
        for page, url in urls.items():
            client.get(url)  # warm up: template loading, translations
            seconds, queries, status = [], set(), set()
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    seconds.append(time.perf_counter() - started)
                queries.add(len(captured.captured_queries))
                status.add(response.status_code)
            result[page] = {
                "status": sorted(status),
                "queries": max(queries),
                "steady": len(queries) == 1,
                "seconds": statistics.median(seconds),
            }
    return result


def measure(n: int, repeat: int = REPEAT) -> dict:
    """Django must be set up. Pages with one more sandbox than the database held, then with
    ``n`` more; creation times; then the ``n`` sandboxes are deleted again (timed, one per
    transaction as the expiry job deletes them). Returns the figures."""
    from django.db import transaction

    from mitid_portal.models import Sandbox
    from mitid_portal.sandbox import DEFAULT_SANDBOX_ID

    def exercises():
        return Sandbox.objects.exclude(pk=DEFAULT_SANDBOX_ID)

    before = set(exercises().values_list("pk", flat=True))
    created = _create(1)
    sandbox = exercises().exclude(pk__in=before).get()
    try:
        _analyze()
        one = pages(sandbox, repeat)
        started = time.perf_counter()
        created += _create(n - 1)
        total = time.perf_counter() - started + created[0]
        _analyze()
        many = pages(sandbox, repeat)
    finally:
        deleted = []
        for pk in exercises().exclude(pk__in=before).values_list("pk", flat=True):
            started = time.perf_counter()
            with transaction.atomic():
                Sandbox.objects.filter(pk=pk).delete()
            deleted.append(time.perf_counter() - started)
    return {
        "sandboxes_one": len(before) + 1,
        "sandboxes": len(before) + len(created),
        "created": len(created),
        "create_first": statistics.median(created[:FIRST]),
        "create_last": statistics.median(created[-FIRST:]),
        "create_median": statistics.median(created),
        "create_max": max(created),
        "create_total": total,
        "delete_median": statistics.median(deleted),
        "delete_total": sum(deleted),
        "one": one,
        "many": many,
    }


def rows(r: dict) -> list[tuple[str, str, str, str, bool]]:
    """Per page: name, queries 1 / N, ms 1 / N, time ratio, queries equal and HTTP 200."""
    out = []
    for page in PAGES:
        one, many = r["one"][page], r["many"][page]
        ok = (
            one["queries"] == many["queries"]
            and one["steady"]
            and many["steady"]
            and one["status"] == many["status"] == [200]
        )
        out.append(
            (
                page,
                f"{one['queries']} / {many['queries']}",
                f"{one['seconds'] * 1000:.1f} / {many['seconds'] * 1000:.1f}",
                f"{many['seconds'] / one['seconds']:.2f}x",
                ok,
            )
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandboxes", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        r = measure(args.sandboxes, args.repeat)
    finally:
        _common.cleanup()
    n, one, created = r["sandboxes"], r["sandboxes_one"], r["created"]
    print(
        f"sandbox_create: median {r['create_first'] * 1000:.0f} ms (first {FIRST}), "
        f"{r['create_last'] * 1000:.0f} ms (last {FIRST}), {r['create_median'] * 1000:.0f} ms "
        f"(all {created}), max {r['create_max'] * 1000:.0f} ms; {created} sandboxes in "
        f"{r['create_total']:.1f} s"
    )
    print(
        f"deleting them again, one per transaction: median {r['delete_median'] * 1000:.0f} ms, "
        f"{r['delete_total']:.1f} s in all"
    )
    header = (
        "page (one sandbox's admin)",
        f"queries {one} / {n}",
        f"median ms {one} / {n} sandboxes",
        "ratio",
        "ok",
    )
    table = [header, *((p, q, ms, x, "yes" if ok else "NO") for p, q, ms, x, ok in rows(r))]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    ok = r["create_median"] < 1 and all(row[-1] for row in rows(r))
    print("targets met (creation < 1 s, same query counts)" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
