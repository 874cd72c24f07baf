"""The login broker's part of the demo world (``seed_demo``, see ``mitid_portal.demo``): every
demo public service the simulated world's seeder planned (``DemoRun.service_providers``) is a
registered service provider, its redirect URIs absolute on ``settings.PORTAL_BASE_URL``.
Registered in ``broker.apps``; idempotent; ``--reset`` deletes the clients (their codes and
tokens go with them) and seeding registers them again."""

from django.conf import settings
from django.db import transaction

from broker.models import Client
from broker.services import service_provider_register
from mitid_portal.demo import DemoRun, DemoServiceProvider
from mitid_portal.models import AuditAction, AuditEvent
from organisations.models import PublicService
from organisations.services import public_services_seed

DEMO_ACTOR = "Demoverdenen"


def _absolute(paths: tuple[str, ...]) -> str:
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return " ".join(base + path for path in paths)


def _client_fill(client: Client, provider: DemoServiceProvider) -> None:
    client.name = provider.name
    client.client_secret = provider.client_secret
    client.hash_client_secret = True
    client.redirect_uris = _absolute(provider.redirect_uris)
    client.post_logout_redirect_uris = _absolute(provider.post_logout_redirect_uris)
    client.public_service = PublicService.objects.get(code=provider.public_service_code)


@transaction.atomic
def demo_seed(run: DemoRun) -> None:
    """Register the planned demo services that are missing; bring the others up to date (the
    secret the service holds, the redirect URIs on the current base URL)."""
    codes = {provider.public_service_code for provider in run.service_providers}
    if PublicService.objects.filter(code__in=codes).count() < len(codes):
        public_services_seed()  # a database flushed by tests has no catalogue
    for provider in run.service_providers:
        client = Client.objects.filter(client_id=provider.client_id).first()
        if client is None:
            client = Client(client_id=provider.client_id, created_by_name=DEMO_ACTOR)
            _client_fill(client, provider)
            service_provider_register(client=client, actor_name=DEMO_ACTOR)
        else:
            _client_fill(client, provider)
            client.full_clean()
            client.save()


@transaction.atomic
def demo_delete(run: DemoRun) -> None:
    Client.objects.filter(client_id__in=[p.client_id for p in run.service_providers]).delete()
    # The registrations the seeder itself recorded (they name no organisation, so the kernel's
    # reset by CVR does not find them).
    AuditEvent.objects.filter(
        action=AuditAction.SERVICE_PROVIDER_REGISTERED, actor_name=DEMO_ACTOR
    ).delete()


def demo_report(run: DemoRun) -> None:
    services = Client.objects.filter(kind=Client.Kind.SERVICE).count()
    run.portal += f"\n  Login til offentlige tjenester: {services} tjenesteudbydere"
