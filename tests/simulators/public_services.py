"""Shared set-up of the demo public services' tests: the demo world as ``seed_demo`` makes it,
with the broker's clients for the demo services."""

from django.conf import settings

from broker.models import Client
from mitid_portal.demo import DemoRun
from mitid_portal.registry import demo_seeders
from organisations import services as organisation_services
from organisations.models import PublicService


def demo_world_with_services() -> DemoRun:
    """Every registered seeder, plan then seed (a transactional test flushed the catalogue of
    public services, so it is filled first), and the broker's clients for the demo services
    where the broker's own seeder did not register them."""
    organisation_services.public_services_seed()
    run = DemoRun()
    seeders = demo_seeders()
    for seeder in seeders:
        seeder.run("plan", run)
    for seeder in seeders:
        seeder.run("seed", run)
    for provider in run.service_providers:
        if Client.objects.filter(client_id=provider.client_id).exists():
            continue
        Client.objects.create(
            name=provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            client_type=Client.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(settings.PORTAL_BASE_URL + u for u in provider.redirect_uris),
            post_logout_redirect_uris=" ".join(
                settings.PORTAL_BASE_URL + u for u in provider.post_logout_redirect_uris
            ),
            algorithm=Client.RS256_ALGORITHM,
            skip_authorization=True,
            kind=Client.Kind.SERVICE,
            public_service=PublicService.objects.get(code=provider.public_service_code),
        )
    return run
