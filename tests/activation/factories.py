"""Factories for activation tests: imported users (with CPR or birth date only) and
administrators of an organisation that has chosen its means."""

import datetime

import factory

from organisations.models import RoleGrant
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory
from users.models import User


class SetUpOrganisationFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Lægehuset Vestergade {n} I/S")
    allowed_means = ["app", "kodeviser", "chip"]
    preferred_means = "kodeviser"
    allow_private_mitid = True


class ImportedUserFactory(UserFactory):
    organisation = factory.SubFactory(SetUpOrganisationFactory)
    state = User.State.IMPORTED
    rid = factory.Sequence(lambda n: f"{70000 + n}")


class BirthDateUserFactory(ImportedUserFactory):
    cpr = ""
    cpr_hash = ""
    birth_date = datetime.date(1984, 5, 17)


class UserAdminFactory(RoleGrantFactory):
    user = factory.SubFactory(
        UserFactory, organisation=factory.SubFactory(SetUpOrganisationFactory)
    )
    role = RoleGrant.Role.USER_ADMIN
