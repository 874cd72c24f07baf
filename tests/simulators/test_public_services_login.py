"""The demo public services log employees in through the login broker, for real: Authlib's
Django client in the service, the broker (django-oauth-toolkit) on the other side, every
server-to-server call (discovery, JWKS, token) over HTTP against the live server, and the
"browser" a plain HTTP client following the redirects.

Must show (issue 15): an activated employee of Lægehuset Vestergade with the FMK right logs in to
"FMK – øvelse" and the service receives the expected claims; a colleague without the right is
refused by the service; a suspended user is refused by the broker; a tampered state fails at the
service, a tampered nonce makes the ID token's validation fail, and a tampered PKCE verifier makes
the token call fail.
"""

import datetime
import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.conf import settings
from django.http import HttpResponse
from django.test import Client as DjangoClient

from activation.models import LoginEvent
from broker.models import Client
from mitid_portal.identity import SESSION_KEY, UserState, identity_session_data
from mitid_portal.outside import Identity
from mitid_portal.sandbox import sandbox_scope
from mitid_portal.sandbox_middleware import sandbox_cookie_set
from mitid_portal.sandboxes import sandbox_create
from organisations import services as organisation_services
from organisations.models import PublicService, UserRight
from simulators import demo
from simulators.publicservices.models import DemoService
from tests.factories import OrganisationFactory, UserFactory
from tests.simulators.public_services import demo_world_with_services
from users.sessions import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)

FMK = "/simulator/tjenester/fmk/"
STATE_KEY = re.compile(r"^_state_publicservice-fmk_(.+)$")


@pytest.fixture
def world(settings, live_server):
    settings.PORTAL_BASE_URL = live_server.url
    run = demo_world_with_services()
    practice = OrganisationFactory(cvr=demo.PRACTICE_CVR, name="Lægehuset Vestergade I/S")
    fmk = PublicService.objects.get(code="fmk")
    soeren = UserFactory(
        organisation=practice,
        first_name="Søren",
        last_name="Bech",
        email="soeren.bech@laegehuset-vestergade.dk",
        rid="38416202",
    )
    UserRight.objects.create(user=soeren, service=fmk, from_rid="38416202")
    lise = UserFactory(
        organisation=practice,
        first_name="Lise",
        last_name="Kristensen",
        email="lise.kristensen@laegehuset-vestergade.dk",
        rid="38416203",
    )
    return {
        "run": run,
        "practice": practice,
        "soeren": soeren,
        "lise": lise,
        "base": live_server.url,
    }


def _browser(user) -> requests.Session:
    """A browser logged in to MitID Erhverv as ``user`` (with the MitID app)."""
    django_client = DjangoClient()
    django_client.force_login(user)
    LoginEvent.objects.create(user=user, means="app")
    browser = requests.Session()
    # The domain the cookie jar gives the live server's cookies (a host name without a dot gets
    # ".local"), so that the server's own Set-Cookie replaces this one.
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME,
        django_client.cookies[settings.SESSION_COOKIE_NAME].value,
        domain="localhost.local",
        path="/",
    )
    return browser


def _start(browser: requests.Session, base: str, service: str = FMK) -> str:
    """*Log på med MitID Erhverv* on the service (FMK – øvelse unless told); returns where the
    service sends the browser."""
    front = browser.get(base + service, timeout=10)
    assert front.status_code == 200
    assert "Log på med MitID Erhverv" in front.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', front.text).group(1)
    answer = browser.post(
        base + service + "log-paa/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def _authorize(browser: requests.Session, url: str) -> str:
    """The browser at the broker; returns the callback URL the broker sends it back to."""
    answer = browser.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def _session(browser: requests.Session) -> SessionStore:
    return SessionStore(session_key=browser.cookies[settings.SESSION_COOKIE_NAME])


def test_the_seeder_gives_each_demo_service_a_credential_of_its_own(world):
    services = {s.code: s for s in DemoService.objects.all()}
    assert set(services) == {"fmk", "tinglysning"}
    assert services["fmk"].name == "FMK – øvelse"
    assert services["fmk"].client_id == "oevelse-fmk-1"
    providers = {p.public_service_code: p for p in world["run"].service_providers}
    assert providers["fmk"].redirect_uris == ("/simulator/tjenester/fmk/retur/",)
    # The broker keeps only a hash of the secret; the service has it encrypted.
    client = Client.objects.get(client_id="oevelse-fmk-1")
    assert client.client_secret != providers["fmk"].client_secret
    assert providers["fmk"].client_secret not in services["fmk"].client_secret_encrypted


def test_the_authorization_request_carries_pkce_state_and_nonce(world):
    browser = _browser(world["soeren"])
    location = _start(browser, world["base"])
    assert location.startswith(world["base"] + "/broker/authorize/")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == ["oevelse-fmk-1"]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == [world["base"] + FMK + "retur/"]
    assert "openid" in query["scope"][0].split()
    state, nonce = query["state"][0], query["nonce"][0]
    stored = _session(browser)[f"_state_publicservice-fmk_{state}"]["data"]
    assert stored["nonce"] == nonce
    assert stored["code_verifier"]


def test_an_employee_with_the_right_logs_in_and_the_service_gets_the_claims(world):
    soeren = world["soeren"]
    browser = _browser(soeren)
    callback = _authorize(browser, _start(browser, world["base"]))
    assert callback.startswith(world["base"] + FMK + "retur/?")
    page = browser.get(callback, timeout=10)
    assert page.status_code == 200, page.text[:2000]
    assert page.url == world["base"] + FMK + "min-side/"
    assert "Du er logget på som Søren Bech" in page.text
    login = _session(browser)["publicservices:fmk"]["login"]
    assert login["name"] == "Søren Bech"
    assert login["email"] == "soeren.bech@laegehuset-vestergade.dk"
    assert login["cvr"] == demo.PRACTICE_CVR
    assert login["organisation_name"] == "Lægehuset Vestergade I/S"
    assert login["rid"] == "38416202"
    assert login["loa"] == "Substantial"
    assert login["privileges"] == ["urn:dk:mitid-erhverv:privilege:fmk"]
    # A pseudonym, not the database key or the CPR number.
    assert login["sub"] not in (str(soeren.pk), soeren.cpr)
    assert len(login["sub"]) >= 32
    for text in ("Lægehuset Vestergade I/S", demo.PRACTICE_CVR, "Substantial", "privilege:fmk"):
        assert text in page.text


def test_a_colleague_without_the_right_is_refused_by_the_service(world):
    browser = _browser(world["lise"])
    page = browser.get(_authorize(browser, _start(browser, world["base"])), timeout=10)
    assert page.status_code == 403
    assert "Du har ikke rettighed til FMK – øvelse" in page.text
    assert "FMK – Fælles Medicinkort" in page.text
    assert "publicservices:fmk" not in _session(browser)
    # Nor is she let in by going to the service's page directly.
    me = browser.get(world["base"] + FMK + "min-side/", allow_redirects=False, timeout=10)
    assert me.status_code == 302
    assert me.headers["Location"] == FMK


def test_the_fmk_right_does_not_open_tinglysning(world):
    """The privileges are per service: Søren's FMK right is not told to Tinglysning – øvelse,
    which refuses him."""
    browser = _browser(world["soeren"])
    tinglysning = "/simulator/tjenester/tinglysning/"
    callback = _authorize(browser, _start(browser, world["base"], tinglysning))
    assert callback.startswith(world["base"] + tinglysning + "retur/?")
    page = browser.get(callback, timeout=10)
    assert page.status_code == 403
    assert "Du har ikke rettighed til Tinglysning – øvelse" in page.text
    assert "publicservices:tinglysning" not in _session(browser)


def _browser_signed_in_with_private_mitid(user) -> requests.Session:
    """A browser whose person proved who they are with private MitID (no portal login)."""
    session = SessionStore()
    session[SESSION_KEY] = identity_session_data(
        Identity(
            cpr=user.cpr,
            first_name=user.first_name,
            last_name=user.last_name,
            birth_date=datetime.date(1971, 9, 2),
        )
    )
    session.save()
    browser = requests.Session()
    browser.cookies.set(
        settings.SESSION_COOKIE_NAME, session.session_key, domain="localhost.local", path="/"
    )
    return browser


def test_a_suspended_user_is_refused_by_the_broker(world):
    soeren = world["soeren"]
    type(soeren).objects.filter(pk=soeren.pk).update(state=UserState.SUSPENDED)
    browser = _browser_signed_in_with_private_mitid(soeren)
    refused = browser.get(_start(browser, world["base"]), allow_redirects=False, timeout=10)
    assert refused.status_code == 403
    assert "Din bruger i MitID Erhverv er suspenderet" in refused.text
    # Back at the service (access_denied): no login there either.
    back = re.search(r'href="([^"]+)" data-testid="broker-back"', refused.text).group(1)
    page = browser.get(html.unescape(back), timeout=10)
    assert page.status_code == 400
    assert "Login blev afvist eller afbrudt hos MitID Erhverv" in page.text
    assert "publicservices:fmk" not in _session(browser)


def test_a_tampered_state_fails_at_the_service(world):
    browser = _browser(world["soeren"])
    callback = _authorize(browser, _start(browser, world["base"]))
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    # Another first character (a state that happens to begin with "x" stays itself otherwise).
    query["state"] = ("y" if query["state"].startswith("x") else "x") + query["state"][1:]
    page = browser.get(
        f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}", timeout=10
    )
    assert page.status_code == 400
    assert "Login mislykkedes" in page.text
    assert "publicservices:fmk" not in _session(browser)


def _tamper_session(browser: requests.Session, field: str) -> None:
    session = _session(browser)
    (key,) = [key for key, _value in session.items() if STATE_KEY.match(key)]
    entry = session[key]
    entry["data"][field] = "tampered-" + entry["data"][field]
    session[key] = entry
    session.save()


def test_a_tampered_nonce_makes_the_id_token_validation_fail(world):
    browser = _browser(world["soeren"])
    callback = _authorize(browser, _start(browser, world["base"]))
    _tamper_session(browser, "nonce")
    page = browser.get(callback, timeout=10)
    assert page.status_code == 400
    assert "Login mislykkedes" in page.text
    assert "publicservices:fmk" not in _session(browser)


def test_a_tampered_pkce_verifier_makes_the_token_call_fail(world):
    browser = _browser(world["soeren"])
    callback = _authorize(browser, _start(browser, world["base"]))
    _tamper_session(browser, "code_verifier")
    page = browser.get(callback, timeout=10)
    assert page.status_code == 400
    assert "publicservices:fmk" not in _session(browser)


def test_logging_out_ends_the_service_login_and_comes_back_from_the_broker(world):
    browser = _browser(world["soeren"])
    page = browser.get(_authorize(browser, _start(browser, world["base"])), timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = browser.post(
        world["base"] + FMK + "log-af/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    end_session = answer.headers["Location"]
    assert end_session.startswith(world["base"] + "/broker/logout/")
    assert parse_qs(urlsplit(end_session).query)["id_token_hint"]
    back = browser.get(end_session, timeout=10)
    assert back.url.startswith(world["base"] + FMK + "logget-af/")
    assert "Du er logget af FMK – øvelse" in back.text
    me = browser.get(world["base"] + FMK + "min-side/", allow_redirects=False, timeout=10)
    assert me.status_code == 302


def test_in_an_exercise_the_service_logs_in_with_the_exercises_own_credential(
    settings, live_server
):
    """Hosted (SANDBOXES on): the browser carries the exercise's cookie, the service's token call
    none; the broker finds the exercise by the client credential, which is the exercise's own."""
    settings.SANDBOXES = True
    settings.PORTAL_BASE_URL = live_server.url
    organisation_services.public_services_seed()
    sandbox, _token = sandbox_create(name="Øvelse med FMK")
    with sandbox_scope(sandbox.pk):
        demo_world_with_services()
        service = DemoService.objects.get(code="fmk")
        practice = OrganisationFactory(cvr=demo.PRACTICE_CVR, name="Lægehuset Vestergade I/S")
        soeren = UserFactory(organisation=practice, first_name="Søren", last_name="Bech")
        UserRight.objects.create(user=soeren, service=PublicService.objects.get(code="fmk"))
        browser = _browser(soeren)
    assert service.client_id == f"oevelse-fmk-{sandbox.pk}"
    response = HttpResponse()
    sandbox_cookie_set(response, sandbox_id=sandbox.pk, expires_at=sandbox.expires_at.timestamp())
    browser.cookies.set(
        settings.SANDBOX_COOKIE_NAME,
        response.cookies[settings.SANDBOX_COOKIE_NAME].value,
        domain="localhost.local",
        path="/",
    )
    location = _start(browser, live_server.url)
    assert parse_qs(urlsplit(location).query)["client_id"] == [service.client_id]
    page = browser.get(_authorize(browser, location), timeout=10)
    assert page.status_code == 200, page.text[:2000]
    assert "Du er logget på som Søren Bech" in page.text
    stored = _session(browser)["publicservices:fmk"]
    assert stored["client_id"] == service.client_id
    assert stored["login"]["cvr"] == demo.PRACTICE_CVR
    # Without the exercise's cookie the service of the default world does not know him.
    browser.cookies.clear(domain="localhost.local", path="/", name=settings.SANDBOX_COOKIE_NAME)
    other = browser.get(live_server.url + FMK + "min-side/", allow_redirects=False, timeout=10)
    assert other.status_code in (302, 404)
