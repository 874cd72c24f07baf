"""The production arrangement of README "Production arrangement", run for real: several web
processes (gunicorn) and two task workers (RQ) on one PostgreSQL database and one Redis, rate
limits shared through Redis, static files served by whitenoise.

Runs only with a PostgreSQL DATABASE_URL and a REDIS_URL (the PostgreSQL pass of .ci/run); every
process runs on a scratch database of its own and is stopped in ``finally``.
"""

import http.client
import json
import os
import re
import secrets
import time

import pytest
from cryptography.fernet import Fernet

from bench._common import ROOT, CountingSmtpServer, free_port
from bench.activation_page_load import start_gunicorn, stop
from tests.helpers import oidc_signing_key_pem
from tests.scaleout import live

REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not (REDIS_URL and live.postgres_url()),
    reason="the production arrangement needs PostgreSQL and Redis: "
    "set DATABASE_URL=postgres://… and REDIS_URL=redis://… (the PostgreSQL pass of .ci/run)",
)

BROKER_LOGIN = "/simulator/mitid/log-ind/"
LIMIT_KEY = "mitid:1:mitid-login-start:127.0.0.1"  # KEY_PREFIX:version:key of the broker's counter


@pytest.fixture(scope="module")
def database():
    with live.scratch_database() as url:
        yield url


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def _request(port, method, path, *, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _web(database, port, **env):
    return start_gunicorn(port, 2, **live.env_for(database, REDIS_URL=REDIS_URL, **env))


# --- (a) a rate limit holds across two web processes ------------------------------------------


def _broker_login_attempt(port: int, cookie: str, token: str) -> str:
    body = (
        f"csrfmiddlewaretoken={token}&username=hvemsomhelst&method=app"
        "&client=Test&return_url=%2F&state=s"
    )
    status, headers, page = _request(
        port,
        "POST",
        BROKER_LOGIN,
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body=body,
    )
    if status == 302:
        return "started"
    if status == 200 and "For mange forsøg".encode() in page:
        return "throttled"
    # The simulated MitID tells an unknown user-ID at once (as the real one does); the attempt
    # was counted by the limit before that, as a login started.
    if status == 200 and b"Der findes ikke et MitID med det bruger-ID" in page:
        return "started"
    return f"unexpected {status}"


def test_the_broker_login_limit_is_counted_across_two_web_processes(database):
    from simulators.mitid.views import START_LIMIT

    _redis().delete(LIMIT_KEY)
    ports = free_port(), free_port()
    web = []
    try:
        for port in ports:
            web.append(_web(database, port))
        # One browser: the CSRF cookie and token from the first process (same SECRET_KEY).
        status, headers, page = _request(ports[0], "GET", f"{BROKER_LOGIN}?return_url=/")
        assert status == 200
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()

        outcomes = [_broker_login_attempt(ports[i % 2], cookie, token) for i in range(START_LIMIT)]
        assert outcomes == ["started"] * START_LIMIT  # each process saw only half of them
        # The next one trips on either process: the count is shared through Redis.
        assert _broker_login_attempt(ports[0], cookie, token) == "throttled"
        assert _broker_login_attempt(ports[1], cookie, token) == "throttled"
        assert int(_redis().get(LIMIT_KEY)) == START_LIMIT + 2
    finally:
        for process in web:
            stop(process)
        _redis().delete(LIMIT_KEY)


# --- (b) two RQ task workers deliver every email exactly once ---------------------------------

QUEUE = """
import datetime
from django.db import transaction
from django.utils import timezone
from activation.services.emails import LinkEmailBuilder
from mitid_portal.emails import emails_queue_bulk
from mitid_portal.emails import deliver_emails
from organisations.models import Organisation

builder = LinkEmailBuilder(
    organisation=Organisation(cvr="99999995", name="Skaleringsklinikken ApS"),
    expires_at=timezone.now() + datetime.timedelta(days=30),
)
for i in range(N_EMAILS):  # one transaction, one delivery task per email
    with transaction.atomic():
        emails_queue_bulk([builder.row(
            to=f"m{i}@skalering.example.dk", name=f"M {i}", token=f"t{i:040d}",
            code_required=False, event_key=f"skalering-{i}",
        )])
for _ in range(20):  # and sweeps of every due email, racing the workers for the same rows
    deliver_emails.enqueue(ids=None)
"""
N_EMAILS = 200


def _sent(url: str) -> int:
    return live.sql(url, "SELECT count(*) FROM mitid_portal_outboundemail WHERE state = 'sent'")[0][
        0
    ]


def _rq_reset() -> None:
    """No job of an earlier run (the workers' periodic tasks schedule their next runs)."""
    from rq import Queue

    queue = Queue("default", connection=_redis())
    queue.empty()
    for registry in (queue.scheduled_job_registry, queue.deferred_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


@pytest.fixture
def rq_queue():
    _rq_reset()
    try:
        yield
    finally:
        _rq_reset()


def test_two_rq_workers_deliver_every_email_exactly_once(database, tmp_path, rq_queue):
    live.sql(database, "DELETE FROM mitid_portal_outboundemail")
    rq = {"TASK_BACKEND": "rq", "REDIS_URL": REDIS_URL}
    with CountingSmtpServer() as server:
        live.manage(database, "shell", "-c", QUEUE.replace("N_EMAILS", str(N_EMAILS)), **rq)
        logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
        workers = []
        try:
            for log in logs:
                workers.append(
                    live.start(database, "task_worker", log=log, EMAIL_URL=server.email_url, **rq)
                )
            live.wait_for(lambda: _sent(database) == N_EMAILS, timeout=120, what="all sent")
            time.sleep(1)  # let the remaining sweeps run: they must find nothing to send
        finally:
            for worker in workers:
                live.stop(worker)
        pks = [pk for (pk,) in live.sql(database, "SELECT id FROM mitid_portal_outboundemail")]
        assert server.delivered == {f"<outbox-{pk}@mitid-erhverv.test>" for pk in pks}
        assert server.received == N_EMAILS and server.duplicates == 0
        done = [log.read_text().count("Successfully completed") for log in logs]
        assert all(done), f"both workers ran tasks: {done}"


# --- (c) whitenoise serves the static files in production --------------------------------------


def test_whitenoise_serves_the_dkfds_css_with_a_long_cache_header(database):
    production = {
        "MITID_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CPR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PII_HASH_KEY": secrets.token_urlsafe(32),
        "OIDC_RSA_PRIVATE_KEY": oidc_signing_key_pem(),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Production with the simulated world runs only with exercises (mitid_portal.checks).
        "SANDBOXES": "on",
    }
    live.manage(database, "collectstatic", "--noinput", "-v0", **production)
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    css = manifest["paths"]["dkfds/css/dkfds-virkdk.min.css"]
    port = free_port()
    web = _web(database, port, **production)
    behind_proxy = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
    try:
        # "Start en øvelse", the page a visitor without an exercise gets.
        status, _headers, page = _request(port, "GET", "/oevelse/", headers=behind_proxy)
        assert status == 200
        assert f"/static/{css}".encode() in page  # the page links the hashed, collected file
        status, headers, body = _request(port, "GET", f"/static/{css}", headers=behind_proxy)
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        max_age = int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1))
        assert max_age >= 365 * 24 * 3600 and "immutable" in headers["Cache-Control"]
        assert len(body) > 10_000
    finally:
        stop(web)
