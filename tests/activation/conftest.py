import pytest

from organisations.models import RoleGrant
from tests.activation.factories import SetUpOrganisationFactory
from tests.factories import RoleGrantFactory, UserFactory


@pytest.fixture
def organisation():
    return SetUpOrganisationFactory(name="Lægehuset Vestergade I/S")


@pytest.fixture
def org_admin(organisation):
    user = UserFactory(organisation=organisation, first_name="Hanne", last_name="Vestergaard")
    RoleGrantFactory(user=user, organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN)
    return user


@pytest.fixture
def user_admin(organisation):
    user = UserFactory(organisation=organisation, first_name="Bo", last_name="Brugeradmin")
    RoleGrantFactory(user=user, organisation=organisation, role=RoleGrant.Role.USER_ADMIN)
    return user


@pytest.fixture
def rights_admin(organisation):
    user = UserFactory(organisation=organisation)
    RoleGrantFactory(user=user, organisation=organisation, role=RoleGrant.Role.RIGHTS_ADMIN)
    return user


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client
