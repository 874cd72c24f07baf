"""Every change in the demo public services' own table."""

from django.db import transaction

from mitid_portal import crypto
from simulators.publicservices.models import DemoService


@transaction.atomic
def demo_service_create(
    *, code: str, name: str, right_name: str, client_id: str, client_secret: str
) -> DemoService:
    """The demo service ``code`` of the active exercise with its broker credential; an existing
    one is left as it is (the seeders are idempotent)."""
    service = DemoService.objects.filter(code=code).first()
    if service is not None:
        return service
    return DemoService.objects.create(
        code=code,
        name=name,
        right_name=right_name,
        client_id=client_id,
        client_secret_encrypted=crypto.encrypt(client_secret),
    )


@transaction.atomic
def demo_services_delete(*, codes: list[str]) -> None:
    """Delete the active exercise's demo services ``codes`` (``seed_demo --reset``)."""
    DemoService.objects.filter(code__in=codes).delete()
