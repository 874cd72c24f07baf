"""Service providers as data: an operator registers one in the admin (the secret shown once,
only its hash kept, the registration audited), and the demo world registers its demo services."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.utils import timezone

from broker.models import Client, Grant
from mitid_portal.models import AuditEvent
from organisations.models import PublicService
from simulators import demo as simulated_world
from tests.broker import oidc
from tests.factories import UserFactory
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = User.objects.create(username="operatoer", is_staff=True, is_superuser=True)
    client.force_login(operator)
    return client


def test_an_operator_registers_a_service_and_sees_its_secret_once(operator_client):
    fmk = PublicService.objects.get(code="fmk")
    response = operator_client.post(
        f"/{settings.OPERATOR_PATH}broker/client/add/",
        {
            "name": "FMK",
            "client_id": "fmk-prod",
            "public_service": fmk.pk,
            "redirect_uris": "https://fmk.example.dk/oidc/callback",
            "post_logout_redirect_uris": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client = Client.objects.get(client_id="fmk-prod")
    assert client.kind == Client.Kind.SERVICE
    assert client.skip_authorization
    assert client.algorithm == Client.RS256_ALGORITHM
    assert client.public_service == fmk
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    secret = next(m for m in shown if "Klienthemmeligheden" in m).split(" er ")[1].split(".")[0]
    assert len(secret) > 20
    assert secret not in client.client_secret  # only the hash is kept
    event = AuditEvent.objects.get(action="service_provider_registered")
    assert "fmk-prod" in event.target
    # The page after the registration shows it; no later page does.
    change_url = f"/{settings.OPERATOR_PATH}broker/client/{client.pk}/change/"
    assert secret in operator_client.get(change_url).content.decode()
    page = operator_client.get(change_url)
    assert page.status_code == 200
    assert secret not in page.content.decode()


def _demo_clients():
    return Client.objects.filter(client_id__startswith="oevelse-").order_by("client_id")


def test_the_demo_world_registers_its_public_services(settings):
    settings.PORTAL_BASE_URL = "http://demo.example.dk:8000"
    call_command("seed_demo", verbosity=0)
    clients = list(_demo_clients())
    assert clients, "the demo world plans demo public services"
    assert {c.public_service.code for c in clients} <= set(simulated_world.DEMO_PUBLIC_SERVICES)
    for client in clients:
        assert client.redirect_uris.startswith("http://demo.example.dk:8000/")
        assert client.skip_authorization and client.kind == Client.Kind.SERVICE
    # Idempotent: a second run registers nothing new.
    call_command("seed_demo", verbosity=0)
    assert list(_demo_clients().values_list("pk", flat=True)) == [c.pk for c in clients]
    # A reset deletes them and registers them again.
    call_command("seed_demo", "--reset", verbosity=0)
    again = list(_demo_clients())
    assert [c.client_id for c in again] == [c.client_id for c in clients]
    assert {c.pk for c in again}.isdisjoint({c.pk for c in clients})


def test_a_revoked_client_and_an_idm_client_cannot_log_anyone_in(client):
    revoked, _secret = oidc.register_service(client_id="tilbagekaldt")
    Client.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    idm, _secret = oidc.register_service(client_id="idm-klient")
    Client.objects.filter(pk=idm.pk).update(kind=Client.Kind.IDM)
    oidc.sign_in(client, UserFactory())
    for provider in (revoked, idm):
        provider.refresh_from_db()
        response = client.get(oidc.authorize_url(provider, oidc.new_flow()))
        assert "code=" not in response.get("Location", ""), provider.client_id
    assert not Grant.objects.exists()
