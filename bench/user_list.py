"""Benchmark of the *Brugere* list: ``python bench/user_list.py [--users 50000]``.

Creates two organisations, one with 10 users and one with N users (awaiting activation or active),
each with an organisation administrator, and renders ``users:list`` for each through Django's test
client, counting the queries (CaptureQueriesContext) and timing the server side. Target
(DESIGN.md): the same number of queries for 10 and for N users; the list paginates.

The database is ``DATABASE_URL`` when set; otherwise a throwaway SQLite file under /tmp.
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

REPEAT = 5  # renders per organisation; the best one is reported


def _organisation_with_users(n: int, cvr: str):
    from organisations.models import Organisation, RoleGrant
    from users.models import User, new_username

    organisation, _ = Organisation.objects.get_or_create(
        cvr=cvr, defaults={"name": f"Brugerliste {n}", "allowed_means": ["app"]}
    )
    User.objects.filter(organisation=organisation).delete()
    states = [User.State.AWAITING, User.State.ACTIVE]
    User.objects.bulk_create(
        (
            User(
                username=new_username(),
                organisation=organisation,
                first_name=f"Medarbejder{i}",
                last_name="Hansen",
                email=f"liste{i}@{cvr}.example.dk",
                birth_date=datetime.date(1980, 1, i % 28 + 1),
                state=states[i % 2],
                password="!",
            )
            for i in range(n - 1)
        ),
        batch_size=2000,
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
    return organisation, admin


def render(admin) -> dict:
    """Render *Brugere* for ``admin``'s organisation: best time, query count, rows shown."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from users.models import User

    client = Client()
    client.force_login(admin)
    url = reverse("users:list")
    client.get(url)  # warm up: template loading, translations
    best, queries, status = float("inf"), None, None
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            best = min(best, time.perf_counter() - started)
        queries, status = len(captured.captured_queries), response.status_code
    users = User.objects.filter(organisation=admin.organisation).count()
    return {"users": users, "seconds": best, "queries": queries, "status": status}


def measure(large: int, small: int = 10) -> dict:
    """Both organisations; Django must be set up. Returns {"small": …, "large": …}."""
    from users.models import User

    result = {}
    for key, n, cvr in (("small", small, "99999990"), ("large", large, "99999991")):
        organisation, admin = _organisation_with_users(n, cvr)
        result[key] = render(admin)
        User.objects.filter(organisation=organisation).delete()
        organisation.delete()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        r = measure(args.users)
    finally:
        _common.cleanup()
    for key in ("small", "large"):
        row = r[key]
        print(
            f"{row['users']:>7} users: {row['seconds'] * 1000:7.1f} ms, "
            f"{row['queries']} queries, HTTP {row['status']}"
        )
    ok = r["small"]["queries"] == r["large"]["queries"] and r["large"]["status"] == 200
    print("target met (same query count)" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
