"""The *Basispakke* for every new user (issue 6, DESIGN.md "Administration"): given when a user is
created by *Opret bruger* or *Masseopret*, and when an imported user is activated (bulk or
single), in the same transaction, in a few statements whatever the number of users; rights the
user holds (imported ones with their RID) stay as they are."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activation import services
from activation.services import users_activation_start
from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent
from organisations.models import PublicService, RoleGrant, UserRight
from tests.activation.factories import ImportedUserFactory, SetUpOrganisationFactory
from tests.factories import RoleGrantFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return SetUpOrganisationFactory()


@pytest.fixture
def user_admin(organisation):
    return RoleGrantFactory(user__organisation=organisation, role=RoleGrant.Role.USER_ADMIN).user


@pytest.fixture
def basic() -> set[int]:
    codes = set(PublicService.objects.filter(in_basic_package=True).values_list("pk", flat=True))
    assert codes, "the catalogue's Basispakke is seeded by the migration"
    return codes


def _held(user) -> set[int]:
    return set(UserRight.objects.filter(user=user).values_list("service_id", flat=True))


def test_opret_bruger_gives_the_basic_package(organisation, user_admin, basic):
    user = services.user_create(
        organisation=organisation,
        first_name="Ida",
        last_name="Holm",
        email="ida@example.dk",
        cpr=fictitious_cpr(3, datetime.date(1984, 5, 17)),
        means=["kodeviser"],
        actor=user_admin,
    )
    assert _held(user) == basic
    # Told once in the audit log, not again by the activation that follows.
    events = AuditEvent.objects.filter(action="right_granted", changes__kilde="Basispakke")
    assert events.count() == 1


def test_masseopret_gives_every_new_user_the_basic_package(organisation, user_admin, basic):
    created = services.users_bulk_create(
        organisation=organisation,
        users=[
            services.NewUser(
                first_name=f"Bruger{i}",
                last_name="Fil",
                email=f"fil{i}@example.dk",
                birth_date=datetime.date(1980, 1, i + 1),
            )
            for i in range(4)
        ],
        batch="basispakke-test",
        actor=user_admin,
    )
    assert len(created) == 4
    for user in created:
        assert _held(user) == basic
    event = AuditEvent.objects.get(action="right_granted", changes__kilde="Basispakke")
    assert event.changes["rettigheder"] == 4 * len(basic)
    assert event.actor_user == user_admin


def test_bulk_activation_gives_imported_users_the_basic_package_and_keeps_their_rights(
    organisation, user_admin, basic
):
    users = ImportedUserFactory.create_batch(3, organisation=organisation)
    kept = PublicService.objects.get(pk=min(basic))
    UserRight.objects.create(user=users[0], service=kept, from_rid="55555", granted_by_name="NemID")
    fmk = PublicService.objects.get(code="fmk")
    UserRight.objects.create(user=users[1], service=fmk, from_rid="66666")
    users_activation_start(
        organisation=organisation, users=users, means=["kodeviser"], actor=user_admin
    )
    for user in users:
        assert basic <= _held(user)
    assert UserRight.objects.get(user=users[0], service=kept).from_rid == "55555"
    assert _held(users[1]) == basic | {fmk.pk}
    event = AuditEvent.objects.get(action="right_granted", changes__kilde="Basispakke")
    assert event.changes["rettigheder"] == 3 * len(basic) - 1
    assert event.organisation == organisation


def test_single_activation_gives_the_basic_package(client, organisation, user_admin, basic):
    user = ImportedUserFactory(organisation=organisation)
    client.force_login(user_admin)
    response = client.post(
        reverse("activation:single_start", args=[user.pk]), {"kind": "separate", "devices": "app"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.state == User.State.AWAITING
    assert _held(user) == basic


def test_a_refused_activation_gives_nothing(organisation, user_admin):
    imported = ImportedUserFactory(organisation=organisation)
    already = ImportedUserFactory(organisation=organisation, state=User.State.AWAITING)
    with pytest.raises(RuleError):
        users_activation_start(
            organisation=organisation,
            users=[imported, already],
            means=["kodeviser"],
            actor=user_admin,
        )
    assert not UserRight.objects.exists()
    assert not AuditEvent.objects.filter(action="right_granted").exists()


def test_activation_gives_the_package_in_a_constant_number_of_statements(organisation, user_admin):
    def statements(n: int) -> int:
        users = ImportedUserFactory.create_batch(n, organisation=organisation)
        with CaptureQueriesContext(connection) as queries:
            users_activation_start(
                organisation=organisation, users=users, means=["kodeviser"], actor=user_admin
            )
        return sum("userright" in q["sql"].lower() for q in queries.captured_queries)

    assert statements(2) == statements(60)
