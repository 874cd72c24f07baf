"""Extra factories for the users tests (tests/factories.py is shared and left as it is)."""

import factory
from factory.django import DjangoModelFactory

from simulators.nemid.models import NemIDRight
from tests.factories import NemIDEmployeeFactory, fictitious_cpr  # noqa: F401 - re-exported


class NemIDRightFactory(DjangoModelFactory):
    class Meta:
        model = NemIDRight

    employee = factory.SubFactory(NemIDEmployeeFactory)
    service_code = factory.Sequence(lambda n: f"tjeneste{n}")
    service_name = factory.LazyAttribute(lambda o: f"Tjeneste {o.service_code}")
