"""Benchmark of the streamed CSV exports: ``python bench/exports.py [--small 15000]
[--large 150000]``.

Builds one organisation of N users for each size (``bench/list_pages.build``: imported, awaiting
activation with a live invitation, active: at 150,000 users *Brugere* exports 100,000 rows), then downloads *Brugere*'s export (every user but the
imported, no filter) and *Afventer aktivering*'s export as the organisation administrator through
Django's test client, each size in a fresh child process that reads the streamed response to its
end and reports the rows it got and its own peak memory (VmHWM). Prints rows, seconds and peak
RSS per export and size, and the ratio of the peak RSS of the large export to the small one's
(target: ≤ 1.25×, flat memory). The database is ``DATABASE_URL`` when set; otherwise a throwaway
SQLite file under /tmp.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

TARGET = 1.25
EXPORTS = [("Brugere", "users:list_export"), ("Afventer", "activation:pending_export")]


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(url_name: str, admin_pk: int) -> dict:
    """Download one export to its end in this (fresh) process; rows, seconds, peak RSS."""
    from django.test import Client
    from django.urls import reverse

    from users.models import User

    client = Client()
    client.force_login(User.objects.get(pk=admin_pk))
    started = time.perf_counter()
    response = client.get(reverse(url_name))
    if response.status_code != 200 or not response.streaming:
        raise RuntimeError(
            f"{url_name}: HTTP {response.status_code}, streaming={response.streaming}"
        )
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\r\n")
    return {
        "rows": lines - 1,  # the header
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _run_child(url: str, url_name: str, admin_pk: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, __file__, "--child", url_name, str(admin_pk)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(small: int, large: int, url: str) -> dict:
    from bench.list_pages import build

    run = random.randrange(100_000, 999_999)
    admins = {}
    for size, cvr in ((small, f"96{run}"), (large, f"97{run}")):
        admins[size] = build(size, cvr).pk
    results: dict = {}
    for name, url_name in EXPORTS:
        results[name] = {size: _run_child(url, url_name, admins[size]) for size in (small, large)}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=15_000)
    parser.add_argument("--large", type=int, default=150_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", nargs=2, metavar=("URL_NAME", "ADMIN_PK"), default=None)
    args = parser.parse_args()
    if args.child:
        _common.setup_django(migrate=False)
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return 0
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        results = measure(args.small, args.large, url)
    finally:
        _common.cleanup()
    missed = 0
    for name, sizes in results.items():
        small, large = sizes[args.small], sizes[args.large]
        ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
        met = ratio <= TARGET
        missed += not met
        for size in (args.small, args.large):
            r = sizes[size]
            print(
                f"{name} export, {size:,} users: {r['rows']:,} rows in {r['seconds']:.2f} s, "
                f"peak RSS {r['peak_rss_mb']:.0f} MB"
            )
        print(
            f"{name} export peak RSS ratio: {ratio:.2f}x (target <= {TARGET}x) {'yes' if met else 'NO'}"
        )
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
