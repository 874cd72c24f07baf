"""Benchmark of the IdM API: ``python bench/scim.py [--users 10000] [--clients 16] [--workers 3]``.

Registers a local IdM client for a fresh organisation (the real service), starts gunicorn with
several workers on 127.0.0.1 and a free port on the same database, fetches a bearer token from
/broker/token/ (client credentials, scope scim) and lets ``clients`` threads create ``users``
users over SCIM in parallel, ``POST /scim/v2/Users`` each (every one *Opret bruger*: rules, rights,
invitation, queued activation email, audit). Counts the time, requests per second and errors (any
answer but 201, or a failed connection): there must be none. Then checks the count with one
``GET /Users?count=0`` (``totalResults``).

The database is ``DATABASE_URL`` when set; otherwise a throwaway SQLite file under /tmp.
"""

import argparse
import base64
import http.client
import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

CVR = "99999989"
TIMEOUT = 60
EXT = "urn:mitid:params:scim:schemas:extension:erhverv:2.0:User"


def _client() -> tuple[str, str]:
    """A fresh organisation with an administrator, and an IdM client registered by them."""
    from idm.services import api_client_create
    from organisations.models import Organisation, RoleGrant
    from users.models import User, new_username

    Organisation.objects.filter(cvr=CVR).delete()
    organisation = Organisation.objects.create(
        cvr=CVR, name="SCIM-bench ApS", allowed_means=["app"], preferred_means="app"
    )
    admin = User.objects.create(
        username=new_username(),
        organisation=organisation,
        first_name="Bench",
        last_name="Administrator",
        email="admin@scim-bench.example.dk",
        state=User.State.ACTIVE,
        password="!",
    )
    RoleGrant.objects.create(
        organisation=organisation, user=admin, role=RoleGrant.Role.ORGANISATION_ADMIN
    )
    client, secret = api_client_create(organisation=organisation, name="Bench-IdM", actor=admin)
    return client.client_id, secret


def _token(port: int, client_id: str, secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(
            "POST",
            "/broker/token/",
            body=urlencode({"grant_type": "client_credentials", "scope": "scim"}),
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"no token: {response.status} {body[:300]!r}")
        return json.loads(body)["access_token"]
    finally:
        conn.close()


def _payload(n: int) -> bytes:
    return json.dumps(
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", EXT],
            "userName": f"ansat{n:06d}@scim-bench.example.dk",
            "externalId": f"bench-{n}",
            "name": {"givenName": f"Ansat{n}", "familyName": "Bench"},
            "emails": [{"value": f"ansat{n:06d}@scim-bench.example.dk"}],
            EXT: {"birthDate": "1980-01-01"},
        }
    ).encode()


def measure(users: int = 10_000, clients: int = 16, workers: int = 3) -> dict:
    """Django must be set up."""
    from bench.activation_page_load import start_gunicorn, stop

    client_id, secret = _client()
    port = _common.free_port()
    counter = iter(range(users))
    lock = threading.Lock()
    outcome = {"ok": 0, "errors": 0, "first_error": ""}
    process = start_gunicorn(port, workers)
    try:
        token = {"value": _token(port, client_id, secret)}

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            while True:
                with lock:
                    n = next(counter, None)
                if n is None:
                    conn.close()
                    return
                status, detail = 0, ""
                for _attempt in range(2):  # a token that expired mid-run is fetched again
                    try:
                        conn.request(
                            "POST",
                            "/scim/v2/Users",
                            body=_payload(n),
                            headers={
                                "Authorization": f"Bearer {token['value']}",
                                "Content-Type": "application/scim+json",
                            },
                        )
                        response = conn.getresponse()
                        detail = response.read()[:300].decode("utf-8", "replace")
                        status = response.status
                    except OSError as exc:
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                        status, detail = 0, repr(exc)
                    if status != 401:
                        break
                    with lock:
                        token["value"] = _token(port, client_id, secret)
                with lock:
                    if status == 201:
                        outcome["ok"] += 1
                    else:
                        outcome["errors"] += 1
                        outcome["first_error"] = outcome["first_error"] or f"{status} {detail}"

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=users * TIMEOUT)
        seconds = time.perf_counter() - started

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        conn.request(
            "GET",
            "/scim/v2/Users?" + urlencode({"filter": 'userName sw "ansat"', "count": 0}),
            headers={"Authorization": f"Bearer {token['value']}"},
        )
        listed = json.loads(conn.getresponse().read())["totalResults"]
        conn.close()
    finally:
        stop(process)
    return {
        "users": users,
        "clients": clients,
        "workers": workers,
        "seconds": seconds,
        "per_second": users / seconds,
        "errors": outcome["errors"] + (users - outcome["ok"] - outcome["errors"]),
        "first_error": outcome["first_error"],
        "listed": listed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        r = measure(args.users, args.clients, args.workers)
    finally:
        _common.cleanup()
    print(
        f"{r['users']:,} users created over SCIM by {r['clients']} parallel clients, gunicorn "
        f"with {r['workers']} workers: {r['seconds']:.2f} s, {r['per_second']:,.1f} requests/s, "
        f"{r['errors']} errors, {r['listed']:,} listed"
    )
    if r["first_error"]:
        print(f"first error: {r['first_error']}")
    return 0 if r["errors"] == 0 and r["listed"] == r["users"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
