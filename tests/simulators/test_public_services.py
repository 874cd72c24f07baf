"""The demo public services' seeding and pages, without the broker on the other end (the whole
login over HTTP is in test_public_services_login.py)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from mitid_portal import crypto
from mitid_portal.demo import DemoRun
from mitid_portal.sandbox import sandbox_scope
from mitid_portal.sandboxes import sandbox_create
from simulators import demo
from simulators.publicservices.models import DemoService
from simulators.publicservices.oidc import broker_url

pytestmark = pytest.mark.django_db

FMK = "/simulator/tjenester/fmk/"


def _planned() -> dict[str, object]:
    run = DemoRun()
    demo.demo_plan(run)
    return {provider.public_service_code: provider for provider in run.service_providers}


def test_the_plan_tells_the_broker_both_demo_services():
    providers = _planned()
    assert set(providers) == {"fmk", "tinglysning"}
    fmk = providers["fmk"]
    assert fmk.name == "FMK – øvelse"
    assert fmk.client_id == "oevelse-fmk-1"
    assert fmk.redirect_uris == (FMK + "retur/",)
    assert fmk.post_logout_redirect_uris == (FMK + "logget-af/",)
    assert len(fmk.client_secret) >= 40
    assert providers["tinglysning"].name == "Tinglysning – øvelse"


def test_seeding_keeps_the_credential_and_a_reset_gives_the_same_one_back():
    call_command("seed_demo", verbosity=0)
    service = DemoService.objects.get(code="fmk")
    secret = crypto.decrypt(service.client_secret_encrypted)
    assert service.right_name == "FMK – Fælles Medicinkort"
    # The plan of a later run says what the service already holds.
    assert _planned()["fmk"].client_secret == secret
    call_command("seed_demo", verbosity=0)
    assert DemoService.objects.filter(code="fmk").count() == 1
    call_command("seed_demo", "--reset", verbosity=0)
    again = DemoService.objects.get(code="fmk")
    assert again.pk != service.pk
    assert (again.client_id, crypto.decrypt(again.client_secret_encrypted)) == (
        service.client_id,
        secret,
    )


def test_every_exercise_has_credentials_of_its_own():
    first, _ = sandbox_create()
    second, _ = sandbox_create()
    ids = {}
    for sandbox in (first, second):
        with sandbox_scope(sandbox.pk):
            service = DemoService.objects.get(code="fmk")
            ids[sandbox.pk] = (service.client_id, crypto.decrypt(service.client_secret_encrypted))
    assert ids[first.pk][0] == f"oevelse-fmk-{first.pk}"
    assert ids[second.pk][0] == f"oevelse-fmk-{second.pk}"
    assert ids[first.pk][1] != ids[second.pk][1]


def test_the_broker_is_this_portal_unless_broker_url_says_otherwise(settings):
    settings.PORTAL_BASE_URL = "http://portal.test:8000/"
    settings.BROKER_URL = ""
    assert broker_url() == "http://portal.test:8000/broker"
    settings.BROKER_URL = "https://broker.example/oidc/"
    assert broker_url() == "https://broker.example/oidc"


def test_the_pages_of_the_services(client):
    call_command("seed_demo", verbosity=0)
    index = client.get(reverse("simulators:index"))
    assert reverse("simulators:publicservices:index") in index.content.decode()
    services = client.get("/simulator/tjenester/").content.decode()
    assert "FMK – øvelse" in services
    assert "Tinglysning – øvelse" in services
    front = client.get(FMK)
    assert front.status_code == 200
    assert "Log på med MitID Erhverv" in front.content.decode()
    assert "FMK – Fælles Medicinkort" in front.content.decode()
    # Nobody logged in: the service's page sends to the front page; logging out changes nothing.
    assert client.get(FMK + "min-side/")["Location"] == FMK
    assert client.post(FMK + "log-af/")["Location"] == FMK
    assert client.get(FMK + "logget-af/").status_code == 200
    assert client.get("/simulator/tjenester/ukendt/").status_code == 404
    # Logging in starts with a POST (CSRF-protected, like every form).
    assert client.get(FMK + "log-paa/").status_code == 405


def test_the_pages_in_english(client):
    call_command("seed_demo", verbosity=0)
    client.cookies["django_language"] = "en"
    front = client.get(FMK, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in with MitID Erhverv" in front


def test_a_callback_without_the_sessions_state_fails_without_asking_the_broker(client, settings):
    settings.BROKER_URL = "http://127.0.0.1:9/broker"  # nothing answers there
    call_command("seed_demo", verbosity=0)
    answer = client.get(FMK + "retur/", {"code": "abc", "state": "made-up"})
    assert answer.status_code == 400
    assert "Login mislykkedes" in answer.content.decode()
    assert "publicservices:fmk" not in client.session


def test_a_broker_that_does_not_answer_is_said_so(client, settings):
    settings.BROKER_URL = "http://127.0.0.1:9/broker"
    call_command("seed_demo", verbosity=0)
    answer = client.post(FMK + "log-paa/")
    assert answer.status_code == 502
    assert "Login-brokeren svarer ikke lige nu" in answer.content.decode()
