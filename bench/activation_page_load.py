"""Benchmark of the emailed activation link under load:
``python bench/activation_page_load.py [--requests 2000] [--clients 32] [--workers 3]``.

Starts one activation (the real service, so the link in the queued email is real), starts gunicorn
with several workers on 127.0.0.1 and a free port on the same database, and lets 32 threads open
the link as an employee's browser does: GET the link (302, the token moves into a new session),
then GET *Aktivér din bruger* with the session cookie (200). Counts requests per second and
errors (any other status, or a failed connection): there must be none.

The database is ``DATABASE_URL`` when set; otherwise a throwaway SQLite file under /tmp.
"""

import argparse
import http.client
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402

CVR = "99999997"
TIMEOUT = 30  # seconds, per request and for gunicorn to start


def _activation_link_path() -> str:
    """One imported user of a fresh organisation, activated; the link path from the email."""
    from activation.services import users_activation_start
    from mitid_portal.models import OutboundEmail
    from organisations.models import Organisation
    from users.models import User, new_username

    Organisation.objects.filter(cvr=CVR).delete()
    organisation = Organisation.objects.create(
        cvr=CVR, name="Belastningsklinikken ApS", allowed_means=["app"], preferred_means="app"
    )
    user = User.objects.create(
        username=new_username(),
        organisation=organisation,
        first_name="Belastning",
        last_name="Testesen",
        email="belastning@belastning.example.dk",
        cpr="0101801234",
        state=User.State.IMPORTED,
        password="!",
    )
    users_activation_start(organisation=organisation, users=[user], means=["app"], actor=None)
    body = OutboundEmail.objects.filter(to=user.email).latest("pk").body_text
    match = re.search(r"/aktiver/link/[^/\s]+/", body)
    if not match:
        raise RuntimeError("no activation link in the email")
    return match.group(0)


def start_gunicorn(port: int, workers: int, **env: str) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port with this process's database and settings; waits until it
    answers (bounded). The caller stops it with :func:`stop`."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mitid_portal.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            str(TIMEOUT),
            "--log-level",
            "warning",
        ],
        cwd=_common.ROOT,
        env=_common.child_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {process.stderr.read().decode()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/hjaelp/")
            conn.getresponse().read()
            conn.close()
            return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not answer in time")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


def _load(port: int, path: str) -> bool:
    """One employee opening the link: True when both answers are what a browser expects."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
        location = response.getheader("Location", "")
        if response.status != 302 or not cookie.startswith("sessionid="):
            return False
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        conn.request("GET", location, headers={"Cookie": cookie})
        response = conn.getresponse()
        page = response.read()
        return response.status == 200 and "Aktivér bruger".encode() in page
    except OSError:
        return False
    finally:
        conn.close()


def measure(requests: int = 2000, clients: int = 32, workers: int = 3) -> dict:
    """Django must be set up. ``requests`` counts HTTP requests (two per page load)."""
    path = _activation_link_path()
    port = _common.free_port()
    loads = max(requests // 2, clients)
    counter = iter(range(loads))
    lock = threading.Lock()
    outcome = {"ok": 0, "errors": 0}

    def client() -> None:
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            good = _load(port, path)
            with lock:
                outcome["ok" if good else "errors"] += 1

    process = start_gunicorn(port, workers)
    try:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=loads * TIMEOUT)
        seconds = time.perf_counter() - started
    finally:
        stop(process)
    return {
        "requests": loads * 2,
        "clients": clients,
        "workers": workers,
        "seconds": seconds,
        "per_second": loads * 2 / seconds,
        "errors": outcome["errors"] + (loads - outcome["ok"] - outcome["errors"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    try:
        url = _common.setup_django(args.database_url)
        from django.db import connection

        print(f"database: {connection.vendor} ({url.split('@')[-1]})")
        r = measure(args.requests, args.clients, args.workers)
    finally:
        _common.cleanup()
    print(
        f"{r['requests']} requests from {r['clients']} clients, gunicorn with {r['workers']} "
        f"workers: {r['seconds']:.2f} s, {r['per_second']:,.0f} requests/s, {r['errors']} errors"
    )
    return 0 if r["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
