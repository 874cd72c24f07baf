"""Benchmark of the exercises (øvelser): ``python bench/sandboxes.py [--sandboxes 1000]``.

Creates one sandbox (``mitid_portal.sandboxes.sandbox_create``, the demo world in it) and renders,
as that sandbox's organisation administrator (the hosted mode: ``SANDBOXES`` on, the exercise's
signed cookie, Django's test client), *Brugere*, *Brugerinformation* of one user, *Overblik* and
the *Revisionslog*: query count (CaptureQueriesContext) and median server-side time. Then creates
N - 1 more sandboxes with ``sandbox_create``, one by one, and renders the same pages in the same
sandbox again; then deletes the N - 1 others one per transaction (as the expiry job does) and
renders the pages a third time, so the table shows the machine's noise between two rounds on the
same database beside the difference N sandboxes make. Target (issue 12): creating a sandbox takes
under 1 s, and with N sandboxes every page has the query count of a database with one, and its
time within noise. Leaves no sandbox behind.

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


def _delete(pks) -> list[float]:
    """Delete the sandboxes ``pks`` one per transaction, as the expiry job does; the seconds
    each took."""
    from django.db import transaction

    from mitid_portal.models import Sandbox

    seconds = []
    for pk in pks:
        started = time.perf_counter()
        with transaction.atomic():
            Sandbox.objects.filter(pk=pk).delete()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure(n: int, repeat: int = REPEAT) -> dict:
    """Django must be set up. One sandbox's pages with one more sandbox than the database held
    ("one"), then with ``n`` more ("many"), then with the ``n - 1`` others deleted again ("again":
    the same database as "one" measured after the fact, which shows the noise of the machine);
    the creation and deletion times. Leaves no sandbox behind. Returns the figures."""
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
        created += _create(n - 1)
        many_count = exercises().count()
        _analyze()
        many = pages(sandbox, repeat)
        others = exercises().exclude(pk__in=before | {sandbox.pk}).values_list("pk", flat=True)
        deleted = _delete(list(others))
        _analyze()
        again = pages(sandbox, repeat)
    finally:
        _delete(list(exercises().exclude(pk__in=before).values_list("pk", flat=True)))
    return {
        "sandboxes_one": len(before) + 1,
        "sandboxes": many_count,
        "created": len(created),
        "create_first": statistics.median(created[:FIRST]),
        "create_last": statistics.median(created[-FIRST:]),
        "create_median": statistics.median(created),
        "create_max": max(created),
        "create_total": sum(created),
        "delete_median": statistics.median(deleted) if deleted else 0.0,
        "delete_total": sum(deleted),
        "one": one,
        "many": many,
        "again": again,
    }


def rows(r: dict) -> list[tuple[str, str, str, str, bool]]:
    """Per page: name, queries with 1 / N / 1 sandboxes, median ms 1 / N / 1, the ratio of the
    time with N to the mean of the two with 1, and whether the query counts are equal, steady
    and every answer an HTTP 200."""
    out = []
    for page in PAGES:
        rounds = [r[key][page] for key in ("one", "many", "again")]
        ok = len({x["queries"] for x in rounds}) == 1 and all(
            x["steady"] and x["status"] == [200] for x in rounds
        )
        base = (rounds[0]["seconds"] + rounds[2]["seconds"]) / 2
        out.append(
            (
                page,
                " / ".join(str(x["queries"]) for x in rounds),
                " / ".join(f"{x['seconds'] * 1000:.1f}" for x in rounds),
                f"{rounds[1]['seconds'] / base:.2f}x",
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
        f"deleting the {created - 1} others, one per transaction: median "
        f"{r['delete_median'] * 1000:.0f} ms, {r['delete_total']:.1f} s in all"
    )
    header = (
        "page (one sandbox's admin)",
        f"queries {one} / {n} / {one}",
        f"median ms {one} / {n} / {one} sandboxes",
        f"{n} : {one}",
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
