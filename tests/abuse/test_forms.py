"""Hostile input in every field of every form a page offers (issue 7, "Abuse and bad input").

Each scenario puts a browser in the state where a page shows its forms (the owner connecting,
the organisation administrator's setup, users and bulk activation, the employee's code, the
separate MitID journey, the simulators), reads the forms from the HTML and posts them back with
hostile values: in all fields at once, and one field at a time. Every answer is below 500 and
echoes nothing unescaped; a refusal (anything but a redirect) leaves every table's row count as
it was, so nothing is half-written.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from mitid_portal import crypto
from organisations import services as organisation_services
from organisations.models import Organisation
from simulators import demo
from simulators.mitid.models import Device, MitIDAccount
from simulators.nemid.models import NemIDEmployee
from tests.abuse.forms import forms_of
from tests.abuse.hostile import PER_FIELD, VALUES, assert_sane
from tests.employee.conftest import mitid_login_on_link
from tests.employee.factories import InvitationFactory, birth_date_user_with_account
from tests.helpers import demo_practice_connect, sign_in_person
from tests.separate.factories import invitation_create, session_start
from tests.separate.helpers import post as separate_post
from tests.separate.helpers import walk_to_phone, walk_to_verify
from users.models import User
from users.services.import_nemid import users_import_from_nemid

pytestmark = pytest.mark.django_db

# Forms that end the session or wipe the simulated world: tested elsewhere, not fuzzed here.
SKIPPED_ACTIONS = re.compile(r"/(toem|nulstil|reset|log-af|logout|setlang)/")
# Rows a refused form may still write: audit of the refusal, login attempts and their events
# and try counters, and what the simulators record of traffic.
NOT_COUNTED = {
    "AuditEvent",
    "LoginEvent",
    "LoginRequest",
    "NemIDChange",
    "NemIDAccessRefusal",
    "Session",
    "DBTaskResult",
    "RateCounter",  # a refused login try is still a reserved try (mitid_portal.ratelimit)
}


SQLITE = connection.vendor == "sqlite"
POSTGRESQL = connection.vendor == "postgresql"


def _counted_models():
    return [
        m
        for m in apps.get_models()
        if m.__name__ not in NOT_COUNTED
        and m._meta.app_label not in ("admin", "contenttypes", "sessions", "auth")
    ]


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in _counted_models()}


def _with(data: dict, name: str, value: str) -> dict:
    return {**data, name: [value]}


def _variants(form):
    defaults = form.defaults()
    editable = form.editable
    hidden = [f.name for f in form.fields if f.kind == "hidden" and f.name != "csrfmiddlewaretoken"]
    for value in VALUES:  # everything hostile at once
        data = dict(defaults)
        for name in editable + hidden:
            data[name] = [value]
        yield f"all={value[:20]!r}", data
    for name in editable:  # one field at a time, the rest as the page proposed
        for value in PER_FIELD:
            yield f"{name}={value[:20]!r}", _with(defaults, name, value)
        yield f"{name}=[many]", {**defaults, name: ["1", "x", "<script>alert(1)</script>"]}


def _send(client, form, data):
    if form.method == "get":
        return client.get(form.action, data)
    files = {}
    for field in form.fields:
        if field.kind == "file":
            files[field.name] = SimpleUploadedFile(
                "aarsrapport.pdf", b"MZ\x90\x00<script>alert(1)</script>", "application/pdf"
            )
    return client.post(form.action, {**data, **files})


def crawl(client, urls) -> tuple[list[str], set[tuple]]:
    """Fuzz every form of every page; returns the problems found (empty when all is well) and
    the forms fuzzed."""
    problems: list[str] = []
    seen: set[tuple] = set()
    for url in urls:
        page = client.get(url, follow=True)
        where = page.request["PATH_INFO"]
        try:
            assert_sane(page, f"GET {url}")
        except AssertionError as exc:
            problems.append(str(exc))
            continue
        for form in forms_of(page.content.decode(), where):
            form.action = urljoin(where, form.action)
            key = (urlsplit(form.action).path, form.method, tuple(form.editable))
            if not form.editable or SKIPPED_ACTIONS.search(form.action) or key in seen:
                continue
            seen.add(key)
            for label, data in _variants(form):
                before = _counts()
                response = _send(client, form, data)
                what = f"{form.method.upper()} {urlsplit(form.action).path} {label}"
                try:
                    assert_sane(response, what)
                    if response.status_code in (301, 302, 303):
                        assert_sane(client.get(response["Location"]), f"{what} → redirect")
                    else:
                        after = _counts()
                        changed = {
                            k: (before[k], after[k]) for k in before if before[k] != after[k]
                        }
                        assert not changed, (
                            f"{what}: refused ({response.status_code}) yet wrote {changed}"
                        )
                except AssertionError as exc:
                    problems.append(str(exc).splitlines()[0])
    return list(dict.fromkeys(problems)), seen


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def world():
    people = {p.key: p for p in demo.PEOPLE}
    owner = people["owner"]
    practice = demo_practice_connect()
    users_import_from_nemid(organisation=practice, started_by_name=owner.full_name)
    admin = User.objects.get(organisation=practice, cpr_hash=crypto.cpr_hash(owner.cpr))
    return {"people": people, "practice": practice, "admin": admin}


def _admin_client(world) -> Client:
    client = _client()
    client.force_login(world["admin"])
    return client


# --- The scenarios --------------------------------------------------------------------------


def scenario_nemid(world):
    """The owner's NemID self-service: correcting email, CPR link and name (G1)."""
    client = _client()
    sign_in_person(client, world["people"]["owner"])
    employee = NemIDEmployee.objects.filter(cvr=demo.PRACTICE_CVR).order_by("pk").first()
    base = f"/simulator/nemid/{demo.PRACTICE_CVR}/medarbejder/{employee.pk}/"
    return client, [
        f"/simulator/nemid/{demo.PRACTICE_CVR}/",
        base,
        base + "e-mail/",
        base + "cpr/",
        base + "navn/",
    ]


def scenario_simulators(world):
    device = Device.objects.filter(kind=Device.Kind.KODEVISER).first()
    return _client(), [
        "/simulator/registre/cpr/",
        "/simulator/registre/cvr/",
        f"/simulator/registre/cvr/{demo.DENTAL_CVR}/",
        "/simulator/mitid/",
        f"/simulator/mitid/enhed/{device.serial}/",
        "/simulator/postkasse/",
        "/simulator/sms/",
    ]


def scenario_logins(world):
    return _client(), [
        "/simulator/mitid/log-ind/?client=MitID+Erhverv&return_url=/log-paa/retur/&state=abc",
        "/saerskilt-mitid/log-paa/",
        "/operatoer/login/",
    ]


def scenario_broker_code(world):
    client = _client()
    account = MitIDAccount.objects.get(username=world["people"]["owner"].username)
    client.post(
        "/simulator/mitid/log-ind/",
        {
            "client": "MitID Erhverv",
            "return_url": "/log-paa/retur/",
            "state": "abc",
            "username": account.username,
            "method": "code",
        },
    )
    wait = (
        account.login_requests.latest("created_at") if hasattr(account, "login_requests") else None
    )
    from simulators.mitid.models import LoginRequest

    wait = LoginRequest.objects.latest("created_at")
    return client, [f"/simulator/mitid/log-ind/{wait.pk}/"]


def scenario_owner_connects(world):
    client = _client()
    sign_in_person(client, world["people"]["owner"])
    return client, [
        "/nemlog-in/tilslut/vaelg-organisation/",
        "/nemlog-in/tilslut/",
    ]


def scenario_owner_connection_steps(world):
    client = _client()
    owner = world["people"]["owner"]
    sign_in_person(client, owner)
    connection = organisation_services.connection_start(
        cpr=owner.cpr, person_name=owner.full_name, cvr=demo.DENTAL_CVR
    )
    base = f"/nemlog-in/tilslut/{connection.pk}/"
    return client, [base + "vilkaar/", base + "administrator/", base + "bekraeft/"]


def scenario_manual_connection(world):
    client = _client()
    person = next(p for p in world["people"].values() if p.username == "soeren.bech")
    sign_in_person(client, person)
    connection = organisation_services.connection_start(
        cpr=person.cpr, person_name=person.full_name, cvr=demo.DENTAL_CVR, manual=True
    )
    organisation_services.connection_accept_terms(connection=connection)
    organisation_services.connection_choose_admin(
        connection=connection, choice="self", requester_email="soeren@example.dk"
    )
    base = f"/nemlog-in/tilslut/{connection.pk}/"
    return client, [base + "dokumentation/"]


def scenario_setup(world):
    Organisation.objects.filter(pk=world["practice"].pk).update(setup_step="policy")
    return _admin_client(world), [
        "/organisation/opsaetning/billing/",
        "/organisation/opsaetning/means/",
        "/organisation/opsaetning/policy/",
        "/organisation/indstillinger/",
    ]


def scenario_users(world):
    practice = world["practice"]
    imported = User.objects.filter(organisation=practice, state=User.State.IMPORTED).first()
    return _admin_client(world), [
        "/brugere/import/",
        "/brugere/importerede/",
        "/brugere/",
        f"/brugere/{imported.pk}/rediger/",
        f"/brugere/{imported.pk}/",
        f"/aktivering/bruger/{imported.pk}/",
        "/organisation/revisionslog/",
        "/aktivering/afventer/",
    ]


def scenario_bulk_means(world):
    client = _admin_client(world)
    practice = world["practice"]
    pks = User.objects.filter(organisation=practice, state=User.State.IMPORTED).values_list(
        "pk", flat=True
    )
    client.post("/aktivering/brugere/", {"user": list(pks)})
    return client, ["/aktivering/brugere/identifikationsmidler/"]


def scenario_employee_code(world):
    user, _account = birth_date_user_with_account("fuzz.kode")
    InvitationFactory(user=user, token="fuzz-token-" + "x" * 32, code="48213907")
    client = _client()
    client.get("/aktiver/link/fuzz-token-" + "x" * 32 + "/")
    mitid_login_on_link(client, "fuzz.kode")
    client.post("/aktiver/privat-mitid/", {"use_private": "yes"})
    return client, ["/aktiver/aktiveringskode/", "/aktiver/privat-mitid/"]


def _separate_client():
    invitation, _token = invitation_create()
    client = _client()
    session_start(client, invitation)
    return client


def scenario_separate_start(world):
    return _separate_client(), ["/saerskilt-mitid/"]


def scenario_separate_bruger_id(world):
    client = _separate_client()
    separate_post(client, "start", {"kind": "kodeviser"})
    separate_post(client, "physical")
    return client, ["/saerskilt-mitid/bruger-id/"]


def scenario_separate_phone(world):
    client = _separate_client()
    walk_to_phone(client)
    return client, ["/saerskilt-mitid/mobilnummer/"]


def scenario_separate_verify(world):
    client = _separate_client()
    walk_to_verify(client)
    return client, ["/saerskilt-mitid/verifikationskode/"]


SCENARIOS = [
    scenario_nemid,
    scenario_simulators,
    scenario_logins,
    scenario_broker_code,
    scenario_owner_connects,
    scenario_owner_connection_steps,
    scenario_manual_connection,
    scenario_setup,
    scenario_users,
    scenario_bulk_means,
    scenario_employee_code,
    scenario_separate_start,
    scenario_separate_bruger_id,
    scenario_separate_phone,
    scenario_separate_verify,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__.removeprefix("scenario_"))
def test_hostile_input_in_every_form(world, scenario):
    client, urls = scenario(world)
    problems, fuzzed = crawl(client, urls)
    assert fuzzed, "the scenario's pages offered no form to fuzz"
    assert problems == [], "\n".join(problems)


# --- Inputs the crawl once found breaking a page ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/brugere/",
        "/brugere/importerede/",
        "/simulator/registre/cpr/",
        "/simulator/registre/cvr/",
        "/simulator/mitid/",
        "/simulator/postkasse/",
        f"/simulator/nemid/{demo.PRACTICE_CVR}/",
    ],
)
def test_a_nul_in_a_search_is_not_a_server_error(world, url):
    client = _admin_client(world)
    sign_in_person(client, world["people"]["owner"])
    assert client.get(url, {"q": "a\x00b"}).status_code < 500


def test_a_nul_in_the_typed_cvr_is_not_a_server_error(world):
    client = _client()
    sign_in_person(client, world["people"]["owner"])
    response = client.post("/nemlog-in/tilslut/vaelg-organisation/", {"cvr": "2918\x003740"})
    assert response.status_code < 500


@pytest.mark.parametrize(
    "ids",
    [
        ["abc"],
        ["-1"],
        ["0"],
        ["1.5"],
        ["1e3"],
        ["<script>alert(1)</script>"],
        ["１"],
        [""],
        pytest.param(["9" * 20], id="huge"),
        "foreign",
        "mixed",
    ],
)
def test_bulk_selection_with_garbage_ids_changes_nothing(world, ids):
    """*Aktivér brugere* with ids that are not numbers, not ours, or absurd: a message or 404,
    and no user leaves *Importerede brugere*."""
    practice = world["practice"]
    mine = User.objects.filter(organisation=practice, state=User.State.IMPORTED).first()
    theirs = User.objects.exclude(organisation=practice).exclude(organisation=None).first()
    if ids == "foreign":
        ids = [str(theirs.pk)]
    elif ids == "mixed":
        ids = [str(mine.pk), str(theirs.pk)]
    client = _admin_client(world)
    before = _counts()
    states = dict(User.objects.values_list("pk", "state"))
    response = client.post("/aktivering/brugere/", {"user": ids})
    assert_sane(response, f"bulk selection {ids}")
    assert response.status_code in (302, 400, 404)
    if response.status_code == 302 and "identifikationsmidler" in response["Location"]:
        pytest.fail(f"the selection {ids} was accepted")
    # Even pushed on through the wizard, nothing starts.
    for step in ("/aktivering/brugere/identifikationsmidler/", "/aktivering/brugere/bekraeft/"):
        assert_sane(client.post(step, {"means": ["app"]}), step)
    assert _counts() == before
    assert dict(User.objects.values_list("pk", "state")) == states
