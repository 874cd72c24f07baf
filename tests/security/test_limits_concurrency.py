"""20 parallel wrong tries against each limited secret evaluate at most the allowed number of
them (issue 12): threads against the live server, each try a real HTTP request.

"Evaluated" is counted where the secret is compared (a spy on the comparison: the keyed-hash
match, the device's code check, Django's ``user_login_failed``) and in the failure counts the
portal records (the invitation's and the SMS code's failure counts, the login requests' attempts,
the limiter's counters), never only from the answers. Runs on SQLite and on PostgreSQL (+ Redis
when REDIS_URL is set): the limiter reserves a try atomically before the comparison
(``mitid_portal.ratelimit``). On SQLite the test database is a file (``mitid_portal.test_settings``),
so the live server's request threads have connections of their own and run in parallel as they do
on PostgreSQL.
"""

import contextlib
import datetime
import http.client
import sqlite3
import threading
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse
from django.utils import timezone

from activation.employee import services as employee_services
from activation.models import BoundMeans, Invitation, SmsVerification
from activation.separate import services as separate_services
from mitid_portal import crypto, operator_login, ratelimit
from mitid_portal.models import RateCounter
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID, sandbox_scope
from simulators.mitid import business_app, totp
from simulators.mitid import services as mitid_services
from simulators.mitid.models import Device, LoginRequest
from simulators.mitid.registry import SimulatedDeviceRegistry
from simulators.mitid.views import SESSION_REQUESTS
from tests.employee.factories import InvitationFactory, birth_date_user_with_account
from tests.factories import DeviceFactory, MitIDAccountFactory, UserFactory
from tests.separate.factories import invitation_create, session_start
from tests.separate.helpers import walk_to_verify
from users.sessions import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)

TRIES = 20
CSRF = "Kx7pQ2mZ9vT4bN8cR1sW6yH3jL5dF0gA"  # a CSRF secret of Django's form (32 letters/digits)


class Spy:
    """Counts calls of a comparison, from every request thread of the live server."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self._lock = threading.Lock()

    def count(self, what: str) -> None:
        with self._lock:
            self.calls[what] += 1


@pytest.fixture
def spy(monkeypatch) -> Spy:
    spy = Spy()
    real_match = crypto.hashes_match

    def hashes_match(value, hashed, *, purpose):
        spy.count(purpose)
        return real_match(value, hashed, purpose=purpose)

    monkeypatch.setattr(crypto, "hashes_match", hashes_match)
    return spy


def _post(url: str, data: dict, *, session: str = "", headers: dict | None = None):
    """One POST with the CSRF cookie and token (and a session); a redirect is not followed.
    Returns (status, page)."""
    cookie = f"{settings.CSRF_COOKIE_NAME}={CSRF}"
    if session:
        cookie += f"; {settings.SESSION_COOKIE_NAME}={session}"
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(
            "POST",
            parts.path,
            body=urlencode({**data, "csrfmiddlewaretoken": CSRF}),
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                **(headers or {}),
            },
        )
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def _parallel(calls: list) -> list:
    """Run every ``(url, data, session)`` at once from its own thread; the answers in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int, url: str, data: dict, session: str) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = _post(url, data, session=session)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            results[index] = exc

    threads = [
        threading.Thread(target=worker, args=(i, *call), daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive(), "a request hung"
    for result in results:
        assert isinstance(result, tuple), result
        assert result[0] < 500, result
    return results


def _session(data: dict) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def _wrong_totp(device: Device) -> str:
    for n in range(10**6):
        candidate = (
            f"{(int(totp.code_at(device.totp_secret, time.time())) + 7919 * (n + 1)) % 10**6:06d}"
        )
        if not totp.verify(device.totp_secret, candidate, window=2):
            return candidate
    raise AssertionError("no wrong code found")


# --- the 8-digit temporary activation code ------------------------------------------------------


def test_parallel_wrong_activation_codes_evaluate_at_most_three(live_server, spy):
    user, account = birth_date_user_with_account("parallel.kode")
    invitation = InvitationFactory(user=user, code="48213907")
    person = account.person
    session = _session(
        {
            "activation_invitation_id": invitation.pk,
            "employee_identity": {
                "invitation_id": invitation.pk,
                "cpr_encrypted": crypto.encrypt(person.cpr),
                "first_name": person.first_name,
                "last_name": person.last_name,
                "birth_date": person.birth_date.isoformat(),
            },
            "employee_use_private": False,  # the code before a separate MitID (G7)
        }
    )
    url = live_server.url + reverse("employee:code")

    results = _parallel([(url, {"code": f"{n:08d}"}, session) for n in range(TRIES)])

    evaluated = spy.calls[employee_services.CODE_PURPOSE]
    assert evaluated <= employee_services.CODE_MAX_FAILURES, (evaluated, results)
    invitation.refresh_from_db()
    assert invitation.code_failures == employee_services.CODE_MAX_FAILURES
    assert invitation.state == Invitation.State.LIVE
    wrong = [page for _status, page in results if "Aktiveringskoden er forkert" in page]
    assert len(wrong) == employee_services.CODE_MAX_FAILURES - 1  # the third says "spærret"


# --- the SMS verification code ------------------------------------------------------------------


def test_parallel_wrong_sms_codes_evaluate_at_most_three(live_server, spy, client):
    invitation, _token = invitation_create(means=["kodeviser"])
    session_start(client, invitation)
    walk_to_verify(client)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    url = live_server.url + reverse("separate:verify")

    results = _parallel([(url, {"code": f"{n:06d}"}, session) for n in range(TRIES)])

    evaluated = spy.calls[separate_services.SMS_PURPOSE]
    assert evaluated <= separate_services.SMS_MAX_FAILURES, (evaluated, results)
    verification = SmsVerification.objects.get(user=invitation.user)
    assert verification.failures == separate_services.SMS_MAX_FAILURES
    assert verification.used_at is None


# --- *Log på MitID Erhverv* with bruger-ID (the separate MitID) ---------------------------------


def test_parallel_wrong_bruger_id_logins_evaluate_at_most_the_limit(live_server, monkeypatch, spy):
    user = UserFactory(bruger_id="Kim.Parallel")
    device = DeviceFactory(account=None, kind="kodeviser")
    BoundMeans.objects.create(user=user, kind="kodeviser", device_serial=device.serial)
    real_verify = SimulatedDeviceRegistry.code_verify

    def code_verify(self, *, serial, code):
        spy.count(f"device:{serial}")
        return real_verify(self, serial=serial, code=code)

    monkeypatch.setattr(SimulatedDeviceRegistry, "code_verify", code_verify)
    state = {
        "bruger_id": "kim.parallel",
        "method": "code",
        "started_at": timezone.now().isoformat(),
        "request_id": "",
    }
    url = live_server.url + reverse("separate:login_verify")
    wrong = _wrong_totp(device)
    calls = [(url, {"code": wrong}, _session({"separate_login": state})) for _ in range(TRIES)]

    results = _parallel(calls)

    evaluated = spy.calls[f"device:{device.serial}"]
    assert evaluated <= separate_services.LOGIN_LIMIT_PER_ID, (evaluated, results)
    throttled = [page for _status, page in results if "For mange mislykkede forsøg" in page]
    assert len(throttled) >= TRIES - separate_services.LOGIN_LIMIT_PER_ID
    # Every try was reserved (counted) before anything was compared.
    with sandbox_scope(DEFAULT_SANDBOX_ID):
        keys = separate_services._throttle_keys(bruger_id="kim.parallel", address="127.0.0.1")
    assert ratelimit.rate_count(key=keys[0][0]) == TRIES


# --- *Log på* on the front page: the (simulated) private MitID's user name and code ----------------


def test_parallel_wrong_mitid_codes_for_one_user_name_evaluate_at_most_the_limit(
    live_server, monkeypatch, spy
):
    account = MitIDAccountFactory(username="parallel.person")
    DeviceFactory(account=account, kind="kodeviser")
    real_verify = totp.verify

    def verify(secret, code, **kwargs):
        spy.count("totp")
        return real_verify(secret, code, **kwargs)

    monkeypatch.setattr(totp, "verify", verify)
    calls = []
    for _ in range(TRIES):
        login_request = mitid_services.login_request_start(
            username="parallel.person", client="Test", return_url="/", state="s", method="code"
        )
        session = _session({SESSION_REQUESTS: [str(login_request.pk)]})
        url = live_server.url + reverse("mitid:login_wait", args=[login_request.pk])
        calls.append((url, {"code": "000000"}, session))

    results = _parallel(calls)

    evaluated = spy.calls["totp"]
    assert evaluated <= mitid_services.CODE_LIMIT_PER_ACCOUNT, (evaluated, results)
    attempts = sum(LoginRequest.objects.values_list("attempts", flat=True))
    assert attempts == evaluated  # each compared try was recorded on its request
    assert LoginRequest.objects.filter(status=LoginRequest.Status.APPROVED).count() == 0


# --- the business app's activation code -----------------------------------------------------------


def test_parallel_wrong_business_app_codes_evaluate_at_most_three(live_server, spy):
    device = DeviceFactory(account=None, kind="app")
    business_app.activation_begin(serial=device.serial, reference="42")
    url = live_server.url + reverse("business_app:activate", args=[device.serial])

    results = _parallel([(url, {"code": f"{n:08d}"}, "") for n in range(TRIES)])

    evaluated = spy.calls[business_app.ACTIVATION_PURPOSE]
    assert evaluated <= business_app.ACTIVATION_MAX_FAILURES, (evaluated, results)
    locked = [page for _status, page in results if "Forkert aktiveringskode 3 gange" in page]
    assert len(locked) >= TRIES - business_app.ACTIVATION_MAX_FAILURES
    assert not business_app.activation_done(serial=device.serial, reference="42")


# --- the operators' password login ----------------------------------------------------------------

PASSWORD = "rigtigt-kodeord-1"


def _operator() -> None:
    operator = UserFactory(username="operator", is_staff=True, is_superuser=True)
    operator.set_password(PASSWORD)
    operator.save()


def test_parallel_wrong_operator_passwords_evaluate_at_most_the_limit(live_server, spy):
    _operator()
    failed = Spy()

    def on_failure(sender, credentials, request=None, **kwargs):
        failed.count(credentials.get("username", ""))

    user_login_failed.connect(on_failure, weak=False)
    try:
        url = live_server.url + f"/{settings.OPERATOR_PATH}login/"
        data = {"username": "operator", "password": "forkert", "next": f"/{settings.OPERATOR_PATH}"}
        results = _parallel([(url, data, "") for _ in range(TRIES)])
        # The right password is refused too while the tries are used up.
        after = _post(url, {**data, "password": PASSWORD})
    finally:
        user_login_failed.disconnect(on_failure)

    evaluated = failed.calls["operator"]
    assert evaluated <= operator_login.LIMIT_PER_USERNAME, (evaluated, results)
    assert after[0] == 200 and "For mange forsøg" in after[1]


def test_the_operator_login_still_lets_the_right_password_in(live_server):
    _operator()
    url = live_server.url + f"/{settings.OPERATOR_PATH}login/"
    data = {"username": "operator", "next": f"/{settings.OPERATOR_PATH}"}
    for _ in range(operator_login.LIMIT_PER_USERNAME - 1):
        assert "For mange" not in _post(url, {**data, "password": "forkert"})[1]
    status, _page = _post(url, {**data, "password": PASSWORD})
    assert status == 302


# --- the counter's one statement on SQLite, with real parallel connections ------------------------


def test_the_sqlite_counter_is_atomic_across_parallel_connections(tmp_path):
    """The upsert of ``mitid_portal.ratelimit`` on a SQLite file, 20 connections at once (as the
    web processes of a laptop or a small host): every try gets its own count, none is lost."""
    path = tmp_path / "counter.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute(
            'CREATE TABLE "mitid_portal_ratecounter" (id INTEGER PRIMARY KEY, '
            '"key" TEXT UNIQUE, "count" INTEGER, "window_ends_at" TEXT)'
        )
        setup.commit()
    sql = ratelimit._UPSERT.replace("%s", "?")
    ends, now = "2999-01-01 00:00:00", "2000-01-01 00:00:00"
    barrier = threading.Barrier(TRIES)
    counts: list = []

    def worker() -> None:
        with contextlib.closing(sqlite3.connect(path, timeout=20, isolation_level=None)) as conn:
            barrier.wait(timeout=30)
            counts.append(conn.execute(sql, ["k", ends, now, now]).fetchone()[0])

    threads = [threading.Thread(target=worker) for _ in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(counts) == list(range(1, TRIES + 1))
    allowed = [count for count in counts if count <= 3]
    assert len(allowed) == 3


# --- the counter itself -----------------------------------------------------------------------------


def test_a_counter_reserves_then_compares_and_starts_again_after_its_window():
    assert [ratelimit.rate_reserve(key="t", limit=2, window=60) for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert ratelimit.rate_count(key="t") == 3
    ratelimit.rate_release(key="t")
    assert ratelimit.rate_count(key="t") == 2
    if not ratelimit._uses_redis():
        RateCounter.objects.filter(key="t").update(
            window_ends_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        assert ratelimit.rate_count(key="t") == 0
        assert ratelimit.rate_reserve(key="other", limit=2, window=60)  # sweeps the ended row
        assert not RateCounter.objects.filter(key="t").exists()
        assert ratelimit.rate_reserve(key="t", limit=2, window=60)


def test_account_keys_name_the_sandbox_and_address_keys_do_not():
    with sandbox_scope(7):
        assert ratelimit.account_key("login", "hanne") != ratelimit.account_key("x", "hanne")
        in_seven = ratelimit.account_key("login", "hanne")
        address_in_seven = ratelimit.address_key("login", "10.0.0.1")
    with sandbox_scope(8):
        assert ratelimit.account_key("login", "hanne") != in_seven
        assert ratelimit.address_key("login", "10.0.0.1") == address_in_seven
