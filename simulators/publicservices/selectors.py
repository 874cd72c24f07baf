"""Read queries of the demo public services."""

from django.db.models import QuerySet

from mitid_portal import crypto
from simulators.publicservices.models import DemoService


def demo_services_list() -> QuerySet[DemoService]:
    return DemoService.objects.order_by("name")


def demo_service_get(*, code: str) -> DemoService | None:
    return DemoService.objects.filter(code=code).first()


def demo_service_secret(service: DemoService) -> str:
    """The service's client secret at the broker, decrypted."""
    return crypto.decrypt(service.client_secret_encrypted)
