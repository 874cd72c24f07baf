"""factory-boy factories for the portal and the simulated world (Faker, Danish locale)."""

import datetime
import itertools

import factory
from factory.django import DjangoModelFactory

from mitid_portal import crypto
from organisations.models import Organisation, RoleGrant
from simulators.mitid import totp
from simulators.mitid.models import Device, MitIDAccount
from simulators.nemid.models import NemIDEmployee
from simulators.registers.models import Company, ManagementRepresentative, Person
from users.models import User

factory.Faker._DEFAULT_LOCALE = "da_DK"

_serial = itertools.count(1)


def fictitious_cpr(n: int, birth_date: datetime.date | None = None) -> str:
    """A CPR number with a real date (stdnum checks the date; the modulus is not used since 2007)."""
    birth_date = birth_date or datetime.date(1960, 1, 1) + datetime.timedelta(days=(n * 37) % 15000)
    # The 7th digit 0-3 puts years 00-99 in the 1900s, which stdnum reads back correctly.
    serial = f"{n % 4}{n % 1000:03d}"
    return birth_date.strftime("%d%m%y") + serial


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    birth_date = factory.Sequence(
        lambda n: datetime.date(1950, 1, 1) + datetime.timedelta(days=(n * 131) % 18000)
    )
    cpr = factory.LazyAttributeSequence(lambda o, n: fictitious_cpr(n, o.birth_date))
    cpr_hash = factory.LazyAttribute(lambda o: crypto.cpr_hash(o.cpr))


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("cvr",)

    cvr = factory.Sequence(lambda n: _valid_cvr(10000000 + n * 100))
    name = factory.Faker("company")
    legal_form = "ApS"


def _valid_cvr(start: int) -> str:
    from stdnum.dk import cvr

    # One valid CVR exists in every run of 11 numbers, so windows of 100 never overlap.
    for candidate in range(start, start + 100):
        if cvr.is_valid(str(candidate)):
            return str(candidate)
    raise AssertionError("no valid CVR found")


class RepresentativeFactory(DjangoModelFactory):
    class Meta:
        model = ManagementRepresentative

    company = factory.SubFactory(CompanyFactory)
    person = factory.SubFactory(PersonFactory)
    role = ManagementRepresentative.Role.OWNER


class MitIDAccountFactory(DjangoModelFactory):
    class Meta:
        model = MitIDAccount

    person = factory.SubFactory(PersonFactory)
    username = factory.Sequence(lambda n: f"bruger{n:04d}")


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    account = factory.SubFactory(MitIDAccountFactory)
    kind = Device.Kind.APP
    serial = factory.LazyFunction(lambda: f"T-{next(_serial):08d}")
    totp_secret = factory.LazyAttribute(
        lambda o: (
            totp.new_secret() if o.kind in (Device.Kind.KODEVISER, Device.Kind.KODEOPLAESER) else ""
        )
    )


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    cvr = factory.Sequence(lambda n: _valid_cvr(20000000 + n * 100))
    name = factory.Faker("company")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    organisation = factory.SubFactory(OrganisationFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"bruger{n}@example.dk")
    cpr = factory.Sequence(lambda n: fictitious_cpr(n + 5000))
    cpr_hash = factory.LazyAttribute(lambda o: crypto.cpr_hash(o.cpr) if o.cpr else "")
    state = User.State.ACTIVE


class RoleGrantFactory(DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    organisation = factory.LazyAttribute(lambda o: o.user.organisation)
    role = RoleGrant.Role.ORGANISATION_ADMIN


class NemIDEmployeeFactory(DjangoModelFactory):
    class Meta:
        model = NemIDEmployee

    cvr = factory.Sequence(lambda n: _valid_cvr(30000000 + n * 100))
    rid = factory.Sequence(lambda n: f"{40000 + n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"medarbejder{n}@example.dk")
    cpr = factory.Sequence(lambda n: fictitious_cpr(n + 9000))
    cpr_hash = factory.LazyAttribute(lambda o: crypto.cpr_hash(o.cpr) if o.cpr else "")
