"""*Roller* (G8.1): the organisation administrator appoints and removes administrators; never
the last organisation administrator; other roles are refused, on the server, with an audit."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent
from organisations import services
from organisations.models import RoleGrant
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def admin(organisation):
    return RoleGrantFactory(user__organisation=organisation, role=ORG_ADMIN).user


@pytest.fixture
def employee(organisation):
    return UserFactory(organisation=organisation, first_name="Mette", last_name="Holm")


def _holder(organisation, role):
    return RoleGrantFactory(user__organisation=organisation, role=role).user


def _roles(user) -> set[str]:
    return set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))


def test_the_roles_page_lists_users_with_their_roles(client, admin, employee):
    RoleGrantFactory(user=employee, role=USER_ADMIN)
    RoleGrantFactory(user=employee, role=RIGHTS_ADMIN)
    client.force_login(admin)
    page = client.get(reverse("organisations:roles")).content.decode()
    assert "Mette Holm" in page
    assert "Brugeradministrator" in page and "Rettighedsadministrator" in page


def test_admin_appoints_a_rights_administrator_with_an_audit(client, admin, employee):
    client.force_login(admin)
    response = client.post(
        reverse("organisations:role_add"),
        {"user": employee.pk, "role": RIGHTS_ADMIN, "confirmed": "1"},
    )
    assert response.status_code == 302
    assert _roles(employee) == {RIGHTS_ADMIN}
    grant = RoleGrant.objects.get(user=employee)
    assert grant.granted_by_name == admin.full_name
    event = AuditEvent.objects.get(action="role_granted")
    assert event.actor_name == admin.full_name
    assert event.target == "Mette Holm"
    assert event.changes["rolle"] == "Rettighedsadministrator"
    assert event.organisation_id == admin.organisation_id


def test_a_person_may_hold_several_roles(admin, employee, organisation):
    for role in (USER_ADMIN, RIGHTS_ADMIN, ORG_ADMIN):
        services.role_grant(organisation=organisation, user=employee, role=role, actor=admin)
    assert _roles(employee) == {USER_ADMIN, RIGHTS_ADMIN, ORG_ADMIN}


def test_granting_a_held_role_twice_is_refused(admin, employee, organisation):
    services.role_grant(organisation=organisation, user=employee, role=USER_ADMIN, actor=admin)
    with pytest.raises(RuleError) as exc:
        services.role_grant(organisation=organisation, user=employee, role=USER_ADMIN, actor=admin)
    assert exc.value.code == "has_role"


def test_admin_removes_a_role_with_an_audit(client, admin, employee):
    RoleGrantFactory(user=employee, role=USER_ADMIN)
    RoleGrantFactory(user=employee, role=RIGHTS_ADMIN)
    client.force_login(admin)
    client.post(
        reverse("organisations:role_remove"),
        {"user": employee.pk, "role": USER_ADMIN, "confirmed": "1"},
    )
    assert _roles(employee) == {RIGHTS_ADMIN}
    event = AuditEvent.objects.get(action="role_removed")
    assert event.changes["rolle"] == "Brugeradministrator" and event.target == "Mette Holm"


def test_the_last_organisation_administrator_cannot_be_removed(client, admin, organisation):
    with pytest.raises(RuleError) as exc:
        services.role_remove(organisation=organisation, user=admin, role=ORG_ADMIN, actor=admin)
    assert exc.value.code == "last_admin"
    assert "mindst én organisationsadministrator" in str(exc.value)

    client.force_login(admin)
    response = client.post(
        reverse("organisations:role_remove"),
        {"user": admin.pk, "role": ORG_ADMIN, "confirmed": "1"},
        follow=True,
    )
    assert "mindst én organisationsadministrator" in response.content.decode()
    assert _roles(admin) == {ORG_ADMIN}
    assert not AuditEvent.objects.filter(action="role_removed").exists()


def test_an_administrator_may_step_down_when_another_remains(admin, organisation):
    other = _holder(organisation, ORG_ADMIN)
    services.role_remove(organisation=organisation, user=admin, role=ORG_ADMIN, actor=admin)
    assert _roles(admin) == set()
    # Now ``other`` is the last one.
    with pytest.raises(RuleError):
        services.role_remove(organisation=organisation, user=other, role=ORG_ADMIN, actor=other)


@pytest.mark.parametrize("role", [USER_ADMIN, RIGHTS_ADMIN, None])
def test_other_roles_are_refused_with_an_audit(client, organisation, employee, role):
    actor = _holder(organisation, role) if role else UserFactory(organisation=organisation)
    client.force_login(actor)
    assert client.get(reverse("organisations:roles")).status_code == 403
    response = client.post(reverse("organisations:role_add"), {"user": actor.pk, "role": ORG_ADMIN})
    assert response.status_code == 403
    assert ORG_ADMIN not in _roles(actor)
    denied = AuditEvent.objects.filter(action="permission_denied", actor_user=actor)
    assert denied.count() == 2
    assert denied.filter(changes__handling="role_add").exists()


def test_the_service_refuses_a_forged_act_and_audits_it_once(organisation, employee):
    rights_admin = _holder(organisation, RIGHTS_ADMIN)
    with pytest.raises(PermissionDenied):
        services.role_grant(
            organisation=organisation, user=employee, role=ORG_ADMIN, actor=rights_admin
        )
    assert _roles(employee) == set()
    event = AuditEvent.objects.get(action="permission_denied")
    assert event.changes == {"handling": "role_grant"} and event.actor_user == rights_admin


def test_another_organisations_user_is_404(client, admin):
    stranger = UserFactory()
    client.force_login(admin)
    response = client.post(
        reverse("organisations:role_add"), {"user": stranger.pk, "role": USER_ADMIN}
    )
    assert response.status_code == 404
    assert _roles(stranger) == set()
    other_page = client.get(reverse("organisations:roles")).content.decode()
    assert stranger.full_name not in other_page


def test_an_administrator_of_another_organisation_cannot_act_here(organisation, employee):
    outsider = RoleGrantFactory(role=ORG_ADMIN).user
    with pytest.raises(PermissionDenied):
        services.role_grant(
            organisation=organisation, user=employee, role=USER_ADMIN, actor=outsider
        )
    assert _roles(employee) == set()


def test_a_closed_user_cannot_get_a_role(admin, organisation):
    closed = UserFactory(organisation=organisation, state="closed")
    with pytest.raises(RuleError):
        services.role_grant(organisation=organisation, user=closed, role=USER_ADMIN, actor=admin)


def test_the_roles_page_has_a_constant_number_of_queries(
    client, admin, organisation, django_assert_max_num_queries
):
    client.force_login(admin)
    for _ in range(3):
        RoleGrantFactory(user__organisation=organisation, role=USER_ADMIN)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("organisations:roles"))
    for _ in range(25):
        RoleGrantFactory(user__organisation=organisation, role=RIGHTS_ADMIN)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("organisations:roles")).status_code == 200


def test_the_menu_shows_roles_to_organisation_administrators_only(client, admin, organisation):
    client.force_login(admin)
    assert (
        reverse("organisations:roles")
        in client.get(reverse("organisations:overview")).content.decode()
    )
    client.force_login(_holder(organisation, USER_ADMIN))
    assert (
        reverse("organisations:roles")
        not in client.get(reverse("organisations:overview")).content.decode()
    )
