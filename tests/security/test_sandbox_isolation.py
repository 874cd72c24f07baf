"""Two exercises (øvelser) at once, and nothing of one is visible, usable or changeable from the
other (issue 12, first "must show").

Sandboxes A and B each get the demo world and the demo journey through the real pages
(tests/security/sandbox_world.py): the owner connects the practice, logs in with private MitID,
imports from NemID and activates everyone; an employee activates with private MitID and the
revealed code, another a separate MitID kodeviser and logs in with her bruger-ID; a user
administrator, a group, a power of attorney, a right request and an email change. Everything of B
then carries the marker ``SANDKASSE-B`` in its names, subjects and texts.

From A's sessions (organisation administrator, user administrator, an employee, the separate
MitID's owner, and an anonymous visitor holding only A's cookie) every URL pattern of the project
is replayed with B's objects (ids, tokens, serials, user names, request ids): GET, and POST with
plausible data. No answer is a server error or shows the marker or one of B's secrets; an answer
about one of B's objects is a refusal (403, 404, 405, 410, a redirect); B's rows are exactly as
they were, and no row of any sandbox points at a row of another. B's own session, on the same
URLs, does see the marker (so the refusals come from the sandbox, not from a broken URL).

Then the persona logins, links and codes: a private MitID login in A approves only A's app; B's
bruger-ID and kodeviser, activation link, activation code, email-change link, setup link and the
broker's result code do nothing in A; B's simulator pages are 404 in A; wrong codes in B lock only
B's namesake. And the laptop's default sandbox sees none of the exercises.
"""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from activation.models import BoundMeans
from mitid_portal.errors import RuleError
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID, sandbox_scope
from mitid_portal.sandboxes import sandbox_create
from simulators import demo
from simulators.mailbox.models import MailMessage
from simulators.mitid import services as mitid_services
from simulators.mitid import totp
from simulators.mitid.models import Device, LoginRequest
from simulators.sms.models import SmsMessage
from tests.abuse.urlwalk import UrlTemplate, url_templates
from tests.factories import DeviceFactory, MitIDAccountFactory, PersonFactory, UserFactory
from tests.helpers import demo_accountant_appoint
from tests.security.sandbox_world import (
    PEOPLE,
    World,
    broker_login,
    cross_sandbox_links,
    mark,
    sandbox_client,
    snapshot,
    world_build,
)
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

MARKER = "SANDKASSE-B"
# B's own person, phone and business-app device, with nothing of the same name in A.
B_ONLY_USERNAME = "kun.i.sandkasse.b"
B_ONLY_PHONE = "+4529998877"

TEMPLATES = url_templates()
PERSONAS = ["org_admin", "user_admin", "employee", "separate", "anonymous"]


@pytest.fixture
def hosted(settings, mailbox_backend):
    settings.SANDBOXES = True


@pytest.fixture
def worlds(hosted):
    a = world_build("A")
    b = world_build("B")
    with b.scope():
        person = PersonFactory(first_name="Kun", last_name=f"I {MARKER}")
        account = MitIDAccountFactory(person=person, username=B_ONLY_USERNAME)
        b.objects["app_device"] = DeviceFactory(account=account, kind=Device.Kind.APP).serial
        SmsMessage.objects.create(number=B_ONLY_PHONE, text=f"Din kode er 424242 {MARKER}")
    mark(b, MARKER)
    return a, b


# --- Filling every URL pattern with B's objects ----------------------------------------------


def _user(name: str):
    return lambda b: b.users[name].pk


def _object(name: str):
    return lambda b: b.objects[name]


# (URL name, argument) → B's value; the operator admin's object ids take B's user's pk.
FILL = {
    ("organisations:role_grant", "pk"): _object("role_grant"),
    ("admin:organisations_connectiondocument_download", "pk"): _object("connection"),
    ("users:import_run", "pk"): _object("import_run"),
    ("users:import_report_csv", "pk"): _object("import_run"),
    ("employee:means_remove", "pk"): _object("bound_means"),
    ("organisations:right_request_decide", "pk"): _object("right_request"),
    ("registers:cpr_detail", "pk"): _object("person"),
    ("employee:link", "token"): lambda b: b.objects["link_token"],
    ("activation:setup_link", "token"): lambda b: b.objects["link_token"],
    ("users:email_confirm_link", "token"): lambda b: b.objects["email_token"],
    # An activation link's token is no exercise's invitation.
    ("sandbox:join", "token"): lambda b: b.objects["link_token"],
    ("business_app:app", "serial"): _object("app_device"),
    ("business_app:activate", "serial"): _object("app_device"),
    ("business_app:decide", "serial"): _object("app_device"),
    ("mitid:device", "serial"): _object("device"),
    ("mitid:device_press", "serial"): _object("device"),
    ("mitid:app", "username"): lambda b: B_ONLY_USERNAME,
    ("mitid:app_decide", "username"): lambda b: B_ONLY_USERNAME,
    ("sms:phone", "number"): lambda b: B_ONLY_PHONE,
    ("nemid:employees", "cvr"): lambda b: demo.PRACTICE_CVR,
    ("registers:cvr_detail", "cvr"): lambda b: demo.PRACTICE_CVR,
    ("mailbox:inbox", "address"): lambda b: b.objects["mail_address"],
    ("organisations:setup_step", "step"): lambda b: "import",
    # The IdM API (SCIM) and its clients' page; the demo public services.
    ("idm:client_renew", "pk"): _object("api_client"),
    ("idm:client_revoke", "pk"): _object("api_client"),
    ("scim:user", "pk"): _user("employee"),
    ("scim:group", "pk"): _object("group"),
    ("scim:resource_type", "name"): lambda b: "User",
    ("scim:schema", "schema_id"): lambda b: "urn:ietf:params:scim:schemas:core:2.0:User",
    ("scim:not_found", "rest"): lambda b: "Unknown",
}
for _name in ("front", "login", "callback", "me", "logout", "logged_out"):
    FILL[(f"simulators:publicservices:{_name}", "code")] = lambda b: "fmk"
for _name in ("terms", "admin", "documents", "receipt"):
    FILL[(f"organisations:{_name}", "pk")] = _object("connection")
FILL[("activation:connect_confirm", "pk")] = _object("connection")
for _name in ("detail", "edit", "suspend", "reactivate"):
    FILL[(f"users:{_name}", "pk")] = _user("employee")
for _name in ("user_close", "user_resend_activation", "user_new_code"):
    FILL[(f"activation:{_name}", "pk")] = _user("person_maria")
FILL[("activation:single_start", "user_pk")] = _user("person_maria")
for _name in ("invitation", "code_reveal", "code_new", "resend", "cancel"):
    FILL[(f"activation:{_name}", "pk")] = _object("invitation")
for _name in ("bulk_job", "bulk_job_confirm", "bulk_job_csv", "bulk_job_retry"):
    FILL[(f"activation:{_name}", "pk")] = _object("bulk_job")
for _name in ("user_rights", "user_right_add", "user_right_remove"):
    FILL[(f"organisations:{_name}", "pk")] = _user("separate")
for _name in ("", "_service_add", "_service_remove", "_member_add", "_member_remove", "_delete"):
    FILL[(f"organisations:group{_name}", "pk")] = _object("group")
for _name in ("", "_approve", "_reject", "_revoke", "_user_add", "_user_remove"):
    FILL[(f"organisations:power{_name}", "pk")] = _object("power")
for _name in ("login_wait", "login_status", "login_finish", "app_decide"):
    FILL[(f"mitid:{_name}", "request_id")] = _object("login_request")
for _name in ("message", "message_html", "mark_read"):
    FILL[(f"mailbox:{_name}", "address")] = lambda b: b.objects["mail_address"]
    FILL[(f"mailbox:{_name}", "pk")] = _object("mail")
for _name in ("", "_revoke", "_email", "_cpr", "_name", "_name_from_register"):
    FILL[(f"nemid:employee{_name}", "cvr")] = lambda b: demo.PRACTICE_CVR
    FILL[(f"nemid:employee{_name}", "pk")] = _object("nemid_employee")


def _fill(template: UrlTemplate, arg, b: World) -> str:
    if template.name.startswith("admin:") or template.name.startswith(settings.OPERATOR_PATH):
        # The operator pages: an object of B, an app label, anything for the catch-all.
        if arg.name == "app_label":
            return "users"
        return str(b.users["org_admin"].pk)
    fill = FILL.get((template.name, arg.name))
    if fill is None:
        pytest.fail(
            f"{template.name} takes '{arg.name}': add to FILL in "
            "tests/security/test_sandbox_isolation.py which object of sandbox B fills it."
        )
    return str(fill(b))


def _values(template: UrlTemplate, b: World) -> dict[str, str]:
    return {arg.name: _fill(template, arg, b) for arg in template.args}


def _url(template: UrlTemplate, b: World) -> str:
    return template.build(_values(template, b))


def _post_data(b: World) -> dict:
    """Plausible form data for any view, every value B's."""
    return {
        "user": b.users["person_maria"].pk,
        "users": [b.users["person_maria"].pk, b.users["employee"].pk],
        "ids": f"{b.users['person_maria'].pk},{b.users['employee'].pk}",
        "role": "user_admin",
        "service": b.objects["service"],
        "services": [b.objects["service"]],
        "name": "Ny gruppe",
        "cvr": demo.PRACTICE_CVR,
        "decision": "approve",
        "accept": "on",
        "choice": "self",
        "requester_email": "a@example.dk",
        "code": b.codes[0],
        "bruger_id": b.objects["bruger_id"],
        "username": B_ONLY_USERNAME,
        "method": "app",
        "number": B_ONLY_PHONE,
        "kind": "kodeviser",
        "use_private": "yes",
        "means": ["private"],
        "all_matching": "1",
        "q": "",
        "invitation": b.objects["invitation"],
        "device": b.objects["device"],
        "serial": b.objects["device"],
        "token": b.objects["link_token"],
        "request_id": b.objects["login_request"],
        "state": "x",
        "client": "MitID Erhverv",
        "return_url": "/log-paa/retur/",
    }


# POSTs that would end the persona's own exercise or session; their GET is still replayed.
NO_POST = {
    "sandbox:start",
    "sandbox:reset",
    "sandbox:leave",
    "sandbox:join_confirm",
    "sandbox:invite_new",
    "login:logout",
    "set_language",
}
# Answers that refuse: unauthenticated (the SCIM API without a bearer token), forbidden, not
# found, not allowed, gone, or a redirect elsewhere.
REFUSALS = {302, 400, 401, 403, 404, 405, 410}
# A demo public service's "Log på" fetches the broker's discovery document over HTTP; with no live
# server in this suite it answers 502 (the broker's own sandboxing over HTTP is tested in
# tests/broker/test_sandboxes.py and tests/simulators/test_public_services_login.py).
NEEDS_LIVE_BROKER = {("POST", "simulators:publicservices:login")}


# Arguments that name nothing B owns alone: a CVR, an email address or a phone number exist in
# both worlds, a wizard's step, the operator pages' own arguments.
SHARED_ARGS = {
    "cvr",
    "address",
    "number",
    "step",
    "app_label",
    "url",
    "content_type_id",
    # Every exercise has the same demo services and SCIM schemas.
    "code",
    "name",
    "schema_id",
    "rest",
}


def _names_a_b_object(template: UrlTemplate) -> bool:
    """Whether the URL's arguments name something only B has."""
    if template.name.startswith("admin:") or template.name.startswith(settings.OPERATOR_PATH):
        return False  # the operator pages: the login for anyone who is not an operator
    return any(arg.name not in SHARED_ARGS for arg in template.args)


def _secrets(b: World) -> set[str]:
    return {MARKER, *b.tokens, b.objects["bruger_id"], b.objects["app_device"]}


def _echoed(url: str, data: dict | None) -> set[str]:
    """What the request itself carried (a page may echo its own URL or a posted field)."""
    sent = {url}
    for value in (data or {}).values():
        sent |= {str(v) for v in value} if isinstance(value, list) else {str(value)}
    return sent


def _problems_of(client, response, url, data, b: World, template: UrlTemplate) -> list[str]:
    method = "POST" if data is not None else "GET"
    label = f"{method} {url} ({template.name})"
    status = response.status_code
    if status == 502 and (method, template.name) in NEEDS_LIVE_BROKER:
        return []
    if status >= 500:
        return [f"{label}: {status}"]
    sent = " ".join(_echoed(url, data))
    problems = [f"{label}: shows B's {s!r}" for s in _leaked(response, b, sent)]
    if _names_a_b_object(template) and status not in REFUSALS:
        problems.append(f"{label}: {status} for an object of B (expected a refusal)")
    if status in (301, 302, 303) and response.url.startswith("/"):
        target = urlsplit(response.url).path
        b_values = [v for k, v in _values(template, b).items() if k not in SHARED_ARGS]
        if any(f"/{v}/" in target for v in b_values):
            problems.append(f"{label}: redirects to B's object ({response.url})")
        # Where the redirect leads (a token moved into the session, say) shows nothing of B.
        landing = client.get(response.url)
        if landing.status_code >= 500:
            problems.append(f"{label} → {response.url}: {landing.status_code}")
        problems += [
            f"{label} → {response.url}: shows B's {s!r}" for s in _leaked(landing, b, sent)
        ]
    return problems


def _leaked(response, b: World, sent: str) -> list[str]:
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    return [s for s in _secrets(b) if s and s in text and s not in sent]


def _keep_session(client: Client, saved: dict, cookie: str) -> None:
    """Put the persona's login back when a replayed page ended it (a replayed start page may
    begin a new journey); the exercise's cookie stays A's."""
    session = client.session
    if session.get("_auth_user_id") != saved.get("_auth_user_id"):
        session.update(saved)
        session.save()
    assert client.cookies[settings.SANDBOX_COOKIE_NAME].value == cookie


def _replay(client: Client, a: World, b: World) -> list[str]:
    saved = dict(client.session.items())
    cookie = client.cookies[settings.SANDBOX_COOKIE_NAME].value
    data = _post_data(b)
    problems = []
    for template in TEMPLATES:
        url = _url(template, b)
        response = client.get(url)
        problems += _problems_of(client, response, url, None, b, template)
        _keep_session(client, saved, cookie)
        if template.name in NO_POST or template.name.startswith("sandbox:"):
            continue
        response = client.post(url, data)
        problems += _problems_of(client, response, url, data, b, template)
        _keep_session(client, saved, cookie)
    return problems


# Pages that show one of B's objects: from B's own session they show it, marker and all; so the
# same URLs from A's sessions are answered by the sandbox, not by a broken URL or a missing object.
CONTROLS = [
    "users:detail",
    "activation:invitation",
    "organisations:role_grant",
    "organisations:user_rights",
    "organisations:group",
    "organisations:power",
    "users:import_run",
    "mailbox:message",
    "registers:cpr_detail",
    "nemid:employee",
    "mitid:app",
]


def test_bs_own_session_sees_bs_objects_on_the_same_urls(worlds):
    _a, b = worlds
    client = b.clients["org_admin"]
    for template in [t for t in TEMPLATES if t.name in CONTROLS]:
        url = _url(template, b)
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert MARKER in response.content.decode(), f"{url} does not show B's marker"


def test_every_url_from_a_with_bs_objects_is_refused_and_shows_nothing_of_b(worlds):
    a, b = worlds
    before = snapshot(b.pk)
    problems = []
    for persona in PERSONAS:
        if persona == "anonymous":
            client = sandbox_client(a.sandbox)
        else:
            client = a.clients[persona]
            # The persona is who we think, in A.
            assert int(client.session["_auth_user_id"]) == a.users[persona].pk
        client.raise_request_exception = False
        problems += [f"{persona}: {problem}" for problem in _replay(client, a, b)]
        # And the client is still in A, as the persona.
        home = client.get(reverse("portal:home"))
        assert home.status_code == 200 and MARKER not in home.content.decode()
    assert problems == [], "\n".join(problems)
    after = snapshot(b.pk)
    changed = {table for table in before if before[table] != after[table]}
    assert changed == set(), f"B's rows changed from A: {sorted(changed)}"
    # Nor does any row of A now point at one of B (a form that took B's id would leave one).
    assert cross_sandbox_links() == []


# --- The persona logins, links and codes of B do not work in A ------------------------------


def test_a_private_mitid_login_in_a_uses_as_person_and_only_as_app(worlds):
    a, b = worlds
    owner = PEOPLE["owner"].username
    b_requests = snapshot(b.pk)["sim_mitid.LoginRequest"]
    client = sandbox_client(a.sandbox)
    page = broker_login(client, a.pk, owner)
    assert page.context["request"].user == a.users["org_admin"]
    assert MARKER not in page.content.decode()
    assert snapshot(b.pk)["sim_mitid.LoginRequest"] == b_requests

    # A login started in A waits for A's app: B's session cannot see or approve it, A's can.
    client = sandbox_client(a.sandbox)
    started = client.get(reverse("login:start"))
    broker_page = client.get(started.url)
    client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": broker_page.context["return_url"],
            "state": broker_page.context["state"],
            "username": owner,
            "method": "app",
        },
    )
    with a.scope():
        request = LoginRequest.objects.latest("created_at")
    stranger = b.clients["org_admin"]
    decide = reverse("mitid:app_decide", args=[owner, request.pk])
    refused = stranger.post(decide, {"decision": "approve"}, follow=True)
    assert "Anmodningen findes ikke" in refused.content.decode()
    b_app = stranger.get(reverse("mitid:app", args=[owner]))  # B's namesake's own app
    assert b_app.status_code == 200 and str(request.pk) not in b_app.content.decode()
    assert stranger.get(reverse("mitid:login_wait", args=[request.pk])).status_code == 404
    assert stranger.get(reverse("mitid:login_finish", args=[request.pk])).status_code == 404
    with a.scope():
        request.refresh_from_db()
    assert request.status == LoginRequest.Status.PENDING
    # B's person with no namesake in A has no MitID in A: the login goes nowhere.
    client = sandbox_client(a.sandbox)
    started = client.get(reverse("login:start"))
    broker_page = client.get(started.url)
    response = client.post(
        reverse("mitid:login"),
        {
            "client": "MitID Erhverv",
            "return_url": broker_page.context["return_url"],
            "state": broker_page.context["state"],
            "username": B_ONLY_USERNAME,
            "method": "app",
        },
    )
    assert MARKER not in response.content.decode()
    with a.scope():
        assert not LoginRequest.objects.filter(account__username=B_ONLY_USERNAME).exists()
    assert "_auth_user_id" not in client.session


def test_bs_bruger_id_and_kodeviser_do_not_log_in_in_a(worlds):
    a, b = worlds
    with b.scope():
        device = Device.objects.get(serial=b.objects["device"])
    client = sandbox_client(a.sandbox)
    client.post(reverse("separate:login"), {"bruger_id": b.objects["bruger_id"], "method": "code"})
    response = client.post(reverse("separate:login_verify"), {"code": _totp(device)})
    assert "Forkert bruger-ID eller kode" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The same bruger-ID and code log in in B.
    client = sandbox_client(b.sandbox)
    client.post(reverse("separate:login"), {"bruger_id": b.objects["bruger_id"], "method": "code"})
    response = client.post(reverse("separate:login_verify"), {"code": _totp(device)})
    assert int(client.session["_auth_user_id"]) == b.users["separate"].pk


def _totp(device: Device) -> str:
    return totp.code_at(device.totp_secret, time.time())


def test_bs_activation_link_and_email_link_do_not_work_in_a(worlds):
    a, b = worlds
    client = sandbox_client(a.sandbox)
    response = client.get(reverse("employee:link", args=[b.objects["link_token"]]))
    assert response.status_code == 302
    assert urlsplit(response.url).path == reverse("employee:link_problem")
    # No journey started: the next steps send the visitor back, and show nothing of B.
    for name in ("employee:start", "employee:choose", "employee:code"):
        page = client.get(reverse(name))
        assert page.status_code in REFUSALS, name
        assert MARKER not in page.content.decode()
    # B's employee's code, typed in A, activates nothing.
    response = client.post(reverse("employee:code"), {"code": b.codes[0]})
    assert response.status_code in REFUSALS
    # The email-change link of B confirms nothing in A.
    with b.scope():
        pending = User.objects.get(pk=b.users["employee"].pk).pending_email
    response = client.get(
        reverse("users:email_confirm_link", args=[b.objects["email_token"]]), follow=True
    )
    assert MARKER not in response.content.decode()
    with b.scope():
        assert User.objects.get(pk=b.users["employee"].pk).pending_email == pending
    # And B's link still works in B.
    client = sandbox_client(b.sandbox)
    response = client.get(reverse("employee:link", args=[b.objects["link_token"]]))
    assert urlsplit(response.url).path != reverse("employee:link_problem")


def test_bs_simulator_pages_are_404_in_a(worlds):
    a, b = worlds
    client = a.clients["org_admin"]
    with b.scope():
        mail = b.objects["mail"]
    for url in (
        reverse("mitid:app", args=[B_ONLY_USERNAME]),
        reverse("mitid:device", args=[b.objects["device"]]),
        reverse("business_app:app", args=[b.objects["app_device"]]),
        reverse("mailbox:message", args=[b.objects["mail_address"], mail]),
        reverse("mailbox:message_html", args=[b.objects["mail_address"], mail]),
        reverse("registers:cpr_detail", args=[b.objects["person"]]),
        reverse("nemid:employee", args=[demo.PRACTICE_CVR, b.objects["nemid_employee"]]),
        reverse("mitid:login_wait", args=[b.objects["login_request"]]),
    ):
        assert client.get(url).status_code == 404, url
    # Pages that both worlds have show A's: the phone's messages, the inbox, the person's app.
    for url in (
        reverse("sms:phone", args=[B_ONLY_PHONE]),
        reverse("mailbox:inbox", args=[b.objects["mail_address"]]),
        reverse("mailbox:index"),
        reverse("mitid:app", args=[PEOPLE["owner"].username]),
        reverse("registers:cpr_list"),
        reverse("nemid:employees", args=[demo.PRACTICE_CVR]),
    ):
        page = client.get(url)
        assert page.status_code == 200 and MARKER not in page.content.decode(), url


# --- The laptop: the default sandbox ---------------------------------------------------------


def test_the_default_sandbox_sees_its_own_world_and_none_of_the_exercises(worlds, settings):
    a, b = worlds
    mark(a, "SANDKASSE-A")
    call_command("seed_demo", verbosity=0)  # the laptop's world, in the default sandbox
    settings.SANDBOXES = False
    for client in (Client(), sandbox_client(a.sandbox)):  # an exercise's cookie is ignored
        page = broker_login(client, DEFAULT_SANDBOX_ID, PEOPLE["owner"].username)
        assert page.status_code == 200
        with sandbox_scope(DEFAULT_SANDBOX_ID):
            assert LoginRequest.objects.filter(account__username=PEOPLE["owner"].username)
        for template in TEMPLATES:
            if template.args or template.name in NO_POST:
                continue
            url = template.build({})
            text = client.get(url, follow=True).content.decode()
            assert MARKER not in text and "SANDKASSE-A" not in text, url
        app = client.get(reverse("mitid:app", args=[PEOPLE["owner"].username]))
        assert app.status_code == 200
        assert client.get(reverse("mitid:app", args=[B_ONLY_USERNAME])).status_code == 404
        assert client.get(reverse("users:detail", args=[a.users["org_admin"].pk])).status_code in (
            302,
            404,
        )


# --- Limits on one sandbox's persona or bruger-ID do not lock another's ----------------------


@pytest.fixture
def two_sandboxes(hosted):
    return sandbox_create(name="A")[0], sandbox_create(name="B")[0]


def test_wrong_codes_for_a_persona_in_b_do_not_lock_the_same_persona_in_a(two_sandboxes):
    """Every sandbox has a hanne.vestergaard with a kodeviser: B's wrong codes lock B's."""
    a, b = two_sandboxes
    username = PEOPLE["owner"].username

    def start():
        return mitid_services.login_request_start(
            username=username, client="MitID Erhverv", return_url="/", state="s", method="code"
        )

    with sandbox_scope(b.pk):
        outcomes = []
        for _ in range(mitid_services.CODE_LIMIT_PER_ACCOUNT + 1):
            try:
                mitid_services.login_request_verify_code(request_id=start().pk, code="abcdef")
            except RuleError as exc:
                outcomes.append(exc.code)
        assert outcomes[-1] == "locked", outcomes
    with sandbox_scope(a.pk):
        device = Device.objects.get(account__username=username, kind=Device.Kind.KODEVISER)
        request = mitid_services.login_request_verify_code(
            request_id=start().pk, code=_totp(device)
        )
        assert request.status == LoginRequest.Status.APPROVED


def test_wrong_codes_for_a_bruger_id_in_b_do_not_lock_the_same_bruger_id_in_a(two_sandboxes):
    """A bruger-ID is unique within a sandbox only: B's "delt.bruger" is not A's."""
    a, b = two_sandboxes
    devices = {}
    for sandbox in (a, b):
        with sandbox_scope(sandbox.pk):
            user = UserFactory(bruger_id="Delt.Bruger")
            devices[sandbox.pk] = DeviceFactory(account=None, kind=Device.Kind.KODEVISER)
            BoundMeans.objects.create(
                user=user, kind="kodeviser", device_serial=devices[sandbox.pk].serial
            )
    client = sandbox_client(b)
    for _ in range(12):
        client.post(reverse("separate:login"), {"bruger_id": "delt.bruger", "method": "code"})
        wrong = f"{(int(_totp(devices[b.pk])) + 7) % 10**6:06d}"
        client.post(reverse("separate:login_verify"), {"code": wrong})
    client.post(reverse("separate:login"), {"bruger_id": "delt.bruger", "method": "code"})
    locked = client.post(reverse("separate:login_verify"), {"code": _totp(devices[b.pk])})
    assert "_auth_user_id" not in client.session, "B's bruger-ID should be locked by now"
    assert MARKER not in locked.content.decode()
    client = sandbox_client(a)
    client.post(reverse("separate:login"), {"bruger_id": "delt.bruger", "method": "code"})
    client.post(reverse("separate:login_verify"), {"code": _totp(devices[a.pk])})
    with sandbox_scope(a.pk):
        assert int(client.session["_auth_user_id"]) == User.objects.get(bruger_id="Delt.Bruger").pk


def test_bs_broker_result_code_does_not_log_in_in_a(two_sandboxes):
    """The broker's one-time result code of a login approved in B, brought to A's callback with
    A's own state, gives no identity in A; the same kind of code works in B."""
    a, b = two_sandboxes
    mark(World(b), MARKER)
    username = PEOPLE["owner"].username

    def b_result_code(state: str) -> str:
        with sandbox_scope(b.pk):
            request = mitid_services.login_request_start(
                username=username, client="MitID Erhverv", return_url="/", state=state, method="app"
            )
            mitid_services.login_request_decide(
                request_id=request.pk, account=request.account, approve=True
            )
            return mitid_services.login_request_finish(request_id=request.pk)[1]

    for sandbox, works in ((a, False), (b, True)):
        client = sandbox_client(sandbox)
        started = client.get(reverse("login:start"))
        state = client.get(started.url).context["state"]
        page = client.get(
            reverse("login:callback"), {"code": b_result_code(state), "state": state}, follow=True
        )
        text = page.content.decode()
        if works:
            assert "mitid_identity" in client.session and MARKER in text
        else:
            assert "Login mislykkedes" in text and MARKER not in text
            assert "mitid_identity" not in client.session


def test_bs_setup_link_does_not_work_in_a(two_sandboxes):
    """The owner of B's dental clinic appoints the accountant (G2.5): his setup link, opened in
    A by A's accountant, sets up nothing; in B it works."""
    a, b = two_sandboxes
    mark(World(b), MARKER)
    accountant = PEOPLE["accountant"]
    with sandbox_scope(b.pk):
        demo_accountant_appoint(cvr=demo.DENTAL_CVR, email="jesper@example.dk")
        setup = MailMessage.objects.get(body_text__contains="/opsaetning/")
    link = re.search(r"(/opsaetning/[^/\s]+/)", setup.body_text).group(1)
    b_invitation = snapshot(b.pk)["organisations.AdminInvitation"]
    client = sandbox_client(a)
    broker_login(client, a.pk, accountant.username)
    page = client.get(link, follow=True)
    assert page.status_code in REFUSALS and MARKER not in page.content.decode()
    page = client.post(reverse("activation:setup_continue"), follow=True)
    assert MARKER not in page.content.decode()
    assert "_auth_user_id" not in client.session
    with sandbox_scope(a.pk):
        assert not User.objects.filter(email="jesper@example.dk").exists()
    assert snapshot(b.pk)["organisations.AdminInvitation"] == b_invitation
    # In B the link sets the accountant up.
    client = sandbox_client(b)
    broker_login(client, b.pk, accountant.username)
    response = client.get(link)
    assert response.url == reverse("activation:setup_continue")
    assert client.post(response.url).url == reverse("organisations:setup")
