"""Benchmark of the user lists at two sizes: ``python bench/list_pages.py [--small 5000]
[--large 200000] [--repeat 7]``.

Builds one organisation of N users for each size (bulk inserts: a third imported from NemID, a
third awaiting activation with a live invitation – all with the same expiry, as one bulk
activation gives them – and a third active with a last login; names from a small pool, so that
many share a name) and renders, through Django's test client as the organisation administrator,
*Brugere*, *Importerede brugere* and *Afventer aktivering*: the first page, the last page, a
search ("Mette") and each sort. Prints the median server time of ``--repeat`` requests per page
at both sizes and the ratio large/small (target: ≤ 2×), and the query count of each page (the
same at both sizes). The two organisations are built first, then measured in turns, page by
page, so that the load of a shared machine weighs on both sizes alike.

The database is ``DATABASE_URL`` when set (PostgreSQL is VACUUM ANALYZEd after the build);
otherwise a throwaway SQLite file under /tmp.
"""

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

FIRST = ["Mette", "Bo", "Anne", "Jens", "Lise", "Peter", "Hanne", "Søren", "Kirsten", "Lars"]
LAST = ["Andersen", "Hansen", "Jensen", "Nielsen", "Pedersen", "Sørensen", "Møller", "Holm"]
TARGET = 2.0

# (list, label, URL name, GET parameters)
PAGES = [
    ("Brugere", "first page", "users:list", {}),
    ("Brugere", "last page", "users:list", {"side": "sidste"}),
    ("Brugere", "search Mette", "users:list", {"q": "Mette"}),
    ("Brugere", "sort -navn", "users:list", {"sort": "-navn"}),
    ("Brugere", "sort email", "users:list", {"sort": "email"}),
    ("Brugere", "sort rid", "users:list", {"sort": "rid"}),
    ("Brugere", "sort login", "users:list", {"sort": "login"}),
    ("Brugere", "sort status", "users:list", {"sort": "status"}),
    ("Importerede", "first page", "users:imported", {}),
    ("Importerede", "last page", "users:imported", {"side": "sidste"}),
    ("Importerede", "search Mette", "users:imported", {"q": "Mette"}),
    ("Importerede", "sort -navn", "users:imported", {"sort": "-navn"}),
    ("Importerede", "sort email", "users:imported", {"sort": "email"}),
    ("Importerede", "sort rid", "users:imported", {"sort": "rid"}),
    ("Afventer", "first page", "activation:pending", {}),
    ("Afventer", "last page", "activation:pending", {"side": "sidste"}),
    ("Afventer", "search Mette", "activation:pending", {"q": "Mette"}),
    ("Afventer", "sort -udloeber", "activation:pending", {"sort": "-udloeber"}),
    ("Afventer", "sort navn", "activation:pending", {"sort": "navn"}),
    ("Afventer", "sort email", "activation:pending", {"sort": "email"}),
]


def build(n: int, cvr: str):
    """An organisation with ``n`` users and its administrator (bulk inserts)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from activation.models import Invitation
    from organisations.models import Organisation, RoleGrant
    from users.models import User, new_username

    organisation, _ = Organisation.objects.get_or_create(
        cvr=cvr, defaults={"name": f"Listebench {n}", "allowed_means": ["app"]}
    )
    now = timezone.now()
    expires = now + datetime.timedelta(days=30)
    states = [User.State.IMPORTED, User.State.AWAITING, User.State.ACTIVE]
    batch = 5000
    with transaction.atomic():
        for start in range(0, n, batch):
            users = [
                User(
                    username=new_username(),
                    organisation=organisation,
                    first_name=FIRST[i % len(FIRST)],
                    last_name=LAST[(i // len(FIRST)) % len(LAST)],
                    email=f"b{i}@{cvr}.example.dk",
                    rid=str(100000 + (i * 7919) % n),
                    state=states[i % 3],
                    nemid_employee_id=i if i % 3 == 0 else None,
                    last_login=now - datetime.timedelta(minutes=i) if i % 3 == 2 else None,
                    means=["app"] if i % 3 else [],
                    password="!",
                )
                for i in range(start, min(start + batch, n))
            ]
            User.objects.bulk_create(users, batch_size=batch)
            awaiting = User.objects.filter(
                organisation=organisation,
                state=User.State.AWAITING,
                email__in=[u.email for u in users if u.state == User.State.AWAITING],
            ).values_list("pk", flat=True)
            Invitation.objects.bulk_create(
                (
                    Invitation(
                        user_id=pk,
                        organisation=organisation,
                        token_hash=f"bench-{cvr}-{pk}",
                        means=["app"],
                        expires_at=expires,
                    )
                    for pk in awaiting
                ),
                batch_size=batch,
            )
        admin = User.objects.create(
            username=new_username(),
            organisation=organisation,
            first_name="Birgitte",
            last_name="Administrator",
            email=f"admin@{cvr}.example.dk",
            state=User.State.ACTIVE,
            password="!",
        )
        RoleGrant.objects.create(
            organisation=organisation, user=admin, role=RoleGrant.Role.ORGANISATION_ADMIN
        )
    with connection.cursor() as cursor:
        # Fresh statistics for the planner; on PostgreSQL also the visibility map that an
        # index-only count needs (what autovacuum gives a table in steady use).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return admin


def measure(admins: dict[int, object], repeat: int) -> dict[int, dict]:
    """Median seconds and query count of every page for each size's administrator. The sizes
    are measured in turns, page by page (small, large, small, …), so that the load of a shared
    machine weighs on both alike."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    clients = {}
    for size, admin in admins.items():
        clients[size] = Client()
        clients[size].force_login(admin)
    results: dict[int, dict] = {size: {} for size in admins}
    for list_name, label, url_name, params in PAGES:
        url = reverse(url_name)
        times: dict[int, list[float]] = {size: [] for size in admins}
        queries: dict[int, int] = {}
        for client in clients.values():
            client.get(url, params)  # warm up
        for _ in range(repeat):
            for size, client in clients.items():
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    times[size].append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} {params}: HTTP {response.status_code}")
                queries[size] = len(captured.captured_queries)
        for size in admins:
            results[size][(list_name, label)] = (statistics.median(times[size]), queries[size])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        admins = {}
        # CVRs of this run only: a rerun on the same PostgreSQL database starts afresh.
        run = random.randrange(100_000, 999_999)
        for size, cvr in ((args.small, f"98{run}"), (args.large, f"99{run}")):
            started = time.perf_counter()
            admins[size] = build(size, cvr)
            print(f"built {size} users in {time.perf_counter() - started:.1f} s", flush=True)
        figures = measure(admins, args.repeat)
    finally:
        _common.cleanup()
    small, large = figures[args.small], figures[args.large]
    print(f"{'list':<12} {'page':<16} {args.small:>8} ms {args.large:>8} ms  ratio  queries  met")
    missed = 0
    for key in small:
        (s_time, s_q), (l_time, l_q) = small[key], large[key]
        ratio = l_time / s_time if s_time else float("inf")
        met = ratio <= TARGET and s_q == l_q
        missed += not met
        print(
            f"{key[0]:<12} {key[1]:<16} {s_time * 1000:11.1f} {l_time * 1000:11.1f}"
            f"  {ratio:5.2f}  {s_q:>3}/{l_q:<3}  {'yes' if met else 'NO'}"
        )
    print("all targets met" if not missed else f"{missed} TARGETS MISSED (ratio ≤ {TARGET}×)")
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
