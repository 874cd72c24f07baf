import pytest

from organisations.models import RoleGrant
from tests.factories import NemIDEmployeeFactory, OrganisationFactory, RoleGrantFactory
from tests.users.factories import NemIDRightFactory


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Lægehuset Test I/S")


@pytest.fixture
def org_admin(organisation):
    return RoleGrantFactory(
        user__organisation=organisation,
        user__first_name="Hanne",
        user__last_name="Admin",
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    ).user


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


@pytest.fixture
def employee(organisation):
    """An employee signature of the organisation's CVR, with rights when asked."""

    def make(*, rights=(), **kwargs):
        employee = NemIDEmployeeFactory(cvr=organisation.cvr, **kwargs)
        for code in rights:
            NemIDRightFactory(employee=employee, service_code=code, service_name=code.upper())
        return employee

    return make
