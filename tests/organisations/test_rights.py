"""Rights to public services (G8.3): the catalogue and the *Basispakke*, grants and removals by
rights and user administrators, user groups, and users' requests with emails both ways."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent, OutboundEmail
from organisations import services
from organisations.models import PublicService, RightRequest, RoleGrant, UserGroup, UserRight
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


@pytest.fixture(autouse=True)
def _catalogue():
    services.public_services_seed()


@pytest.fixture
def organisation():
    return OrganisationFactory()


def _holder(organisation, role, **user):
    return RoleGrantFactory(user__organisation=organisation, role=role, **user).user


@pytest.fixture
def rights_admin(organisation):
    return _holder(organisation, RIGHTS_ADMIN, user__email="rettighed@example.dk")


@pytest.fixture
def user_admin(organisation):
    return _holder(organisation, USER_ADMIN)


@pytest.fixture
def employee(organisation):
    return UserFactory(
        organisation=organisation, first_name="Ole", last_name="Bak", email="ole@example.dk"
    )


def _service(code) -> PublicService:
    return PublicService.objects.get(code=code)


def _codes(user) -> set[str]:
    return set(UserRight.objects.filter(user=user).values_list("service__code", flat=True))


# --- Catalogue and Basispakke --------------------------------------------------------------------


def test_the_catalogue_holds_the_services_and_a_basic_package():
    codes = set(PublicService.objects.values_list("code", flat=True))
    assert {"fmk", "nemrefusion", "digital_post", "tinglysning", "barsel", "skat"} <= codes
    assert {"virk_indberetning", "sundhedsjournal", "sor", "eindkomst", "virk_kvittering"} <= codes
    basic = set(PublicService.objects.filter(in_basic_package=True).values_list("code", flat=True))
    assert basic == {"digital_post", "virk_indberetning", "virk_kvittering"}
    assert services.public_services_seed() == 0  # idempotent


def test_the_catalogue_page_marks_the_basispakke(client, rights_admin, employee):
    client.force_login(rights_admin)
    page = client.get(reverse("organisations:rights")).content.decode()
    assert "Tinglysning" in page and "Ja – alle nye brugere" in page
    assert reverse("organisations:user_rights", args=[employee.pk]) in page


def test_a_new_user_gets_the_basic_package_and_keeps_imported_rights(employee):
    UserRight.objects.create(user=employee, service=_service("digital_post"), from_rid="4711")
    added = services.rights_grant_basic_package(user=employee, granted_by_name="Anne Admin")
    assert {s.code for s in added} == {"virk_indberetning", "virk_kvittering"}
    assert _codes(employee) == {"digital_post", "virk_indberetning", "virk_kvittering"}
    assert UserRight.objects.get(user=employee, service__code="digital_post").from_rid == "4711"
    event = AuditEvent.objects.get(action="right_granted")
    assert event.changes["kilde"] == "Basispakke" and event.actor_name == "Anne Admin"
    assert services.rights_grant_basic_package(user=employee, granted_by_name="x") == []


# --- Grant and remove ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [RIGHTS_ADMIN, USER_ADMIN])
def test_rights_and_user_administrators_grant_and_remove(client, organisation, employee, role):
    actor = _holder(organisation, role)
    client.force_login(actor)
    fmk = _service("fmk")
    client.post(reverse("organisations:user_right_add", args=[employee.pk]), {"service": fmk.pk})
    assert _codes(employee) == {"fmk"}
    assert UserRight.objects.get(user=employee).granted_by_name == actor.full_name
    page = client.get(reverse("organisations:user_rights", args=[employee.pk])).content.decode()
    assert "FMK – Fælles Medicinkort" in page
    client.post(
        reverse("organisations:user_right_remove", args=[employee.pk]),
        {"service": fmk.pk, "confirmed": "1"},
    )
    assert _codes(employee) == set()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["right_granted", "right_removed"]


def test_an_imported_right_keeps_its_rid_and_its_removal_is_audited(rights_admin, employee, client):
    UserRight.objects.create(user=employee, service=_service("fmk"), from_rid="12345")
    with pytest.raises(RuleError):
        services.right_grant(user=employee, service=_service("fmk"), actor=rights_admin)
    assert UserRight.objects.get(user=employee).from_rid == "12345"
    client.force_login(rights_admin)
    page = client.get(reverse("organisations:user_rights", args=[employee.pk])).content.decode()
    assert "Importeret fra NemID (RID 12345)" in page
    services.right_remove(user=employee, service=_service("fmk"), actor=rights_admin)
    assert _codes(employee) == set()
    event = AuditEvent.objects.get(action="right_removed")
    assert event.changes == {"tjeneste": "FMK – Fælles Medicinkort", "fra_rid": "12345"}


@pytest.mark.parametrize("role", [ORG_ADMIN, None])
def test_others_cannot_grant_rights(client, organisation, employee, role):
    actor = _holder(organisation, role) if role else UserFactory(organisation=organisation)
    client.force_login(actor)
    url = reverse("organisations:user_right_add", args=[employee.pk])
    assert client.post(url, {"service": _service("fmk").pk}).status_code == 403
    assert _codes(employee) == set()
    assert AuditEvent.objects.filter(action="permission_denied", actor_user=actor).exists()
    with pytest.raises(PermissionDenied):
        services.right_grant(user=employee, service=_service("fmk"), actor=actor)
    assert AuditEvent.objects.filter(action="permission_denied", actor_user=actor).count() == 2


def test_another_organisations_user_is_404(client, rights_admin):
    stranger = UserFactory()
    client.force_login(rights_admin)
    assert client.get(reverse("organisations:user_rights", args=[stranger.pk])).status_code == 404
    url = reverse("organisations:user_right_add", args=[stranger.pk])
    assert client.post(url, {"service": _service("fmk").pk}).status_code == 404
    assert _codes(stranger) == set()
    with pytest.raises(PermissionDenied):
        services.right_grant(user=stranger, service=_service("fmk"), actor=rights_admin)


# --- Groups --------------------------------------------------------------------------------------


def test_group_members_hold_the_groups_rights(client, organisation, rights_admin, employee):
    client.force_login(rights_admin)
    client.post(reverse("organisations:groups"), {"name": "Klinikpersonale"})
    group = UserGroup.objects.get(organisation=organisation)
    client.post(
        reverse("organisations:group_service_add", args=[group.pk]),
        {"service": _service("fmk").pk},
    )
    client.post(reverse("organisations:group_member_add", args=[group.pk]), {"user": employee.pk})
    assert services.user_holds_service(user=employee, service=_service("fmk"))
    assert _codes(employee) == set()  # held through the group, not copied
    page = client.get(reverse("organisations:user_rights", args=[employee.pk])).content.decode()
    assert "Gennem gruppen Klinikpersonale" in page
    group_page = client.get(reverse("organisations:group", args=[group.pk])).content.decode()
    assert "Ole Bak" in group_page and "FMK" in group_page

    client.post(
        reverse("organisations:group_member_remove", args=[group.pk]),
        {"user": employee.pk, "confirmed": "1"},
    )
    assert not services.user_holds_service(user=employee, service=_service("fmk"))
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "user_group_created",
        "right_granted",
        "user_group_member_added",
        "user_group_member_removed",
    } <= actions


def test_removing_a_groups_right_or_the_group_takes_it_from_members(
    organisation, rights_admin, employee
):
    group = services.user_group_create(organisation=organisation, name="Løn", actor=rights_admin)
    services.user_group_service_add(group=group, service=_service("skat"), actor=rights_admin)
    services.user_group_member_add(group=group, user=employee, actor=rights_admin)
    services.user_group_service_remove(group=group, service=_service("skat"), actor=rights_admin)
    assert not services.user_holds_service(user=employee, service=_service("skat"))
    services.user_group_service_add(group=group, service=_service("skat"), actor=rights_admin)
    services.user_group_delete(group=group, actor=rights_admin)
    assert not services.user_holds_service(user=employee, service=_service("skat"))
    assert AuditEvent.objects.filter(action="user_group_deleted").exists()


def test_a_group_name_is_unique_in_the_organisation(client, organisation, rights_admin):
    services.user_group_create(organisation=organisation, name="Løn", actor=rights_admin)
    client.force_login(rights_admin)
    response = client.post(reverse("organisations:groups"), {"name": "løn"})
    assert "Der findes allerede en gruppe med det navn." in response.content.decode()
    assert UserGroup.objects.count() == 1


def test_another_organisations_group_and_users_are_404(client, organisation, rights_admin):
    theirs = OrganisationFactory()
    their_admin = _holder(theirs, RIGHTS_ADMIN)
    their_group = services.user_group_create(organisation=theirs, name="X", actor=their_admin)
    client.force_login(rights_admin)
    assert client.get(reverse("organisations:group", args=[their_group.pk])).status_code == 404
    url = reverse("organisations:group_member_add", args=[their_group.pk])
    assert client.post(url, {"user": rights_admin.pk}).status_code == 404
    mine = services.user_group_create(organisation=organisation, name="Mine", actor=rights_admin)
    url = reverse("organisations:group_member_add", args=[mine.pk])
    assert client.post(url, {"user": their_admin.pk}).status_code == 404
    assert not mine.members.exists() and not their_group.members.exists()


# --- Requests ------------------------------------------------------------------------------------


def test_a_user_asks_for_a_right_and_the_rights_administrator_approves(
    client, organisation, rights_admin, employee
):
    second = _holder(organisation, RIGHTS_ADMIN, user__email="anden@example.dk")
    _holder(organisation, USER_ADMIN, user__email="brugeradmin@example.dk")
    client.force_login(employee)
    page = client.get(reverse("organisations:right_request_new"))
    assert page.status_code == 200
    response = client.post(
        reverse("organisations:right_request_new"),
        {"service": _service("tinglysning").pk, "reason": "Skøder"},
        follow=True,
    )
    assert "Din anmodning er sendt" in response.content.decode()
    right_request = RightRequest.objects.get()
    assert right_request.state == "requested" and right_request.reason == "Skøder"
    told = OutboundEmail.objects.filter(subject__contains="beder om en rettighed")
    assert set(told.values_list("to", flat=True)) == {rights_admin.email, second.email}
    assert "Tinglysning" in told.first().body_text and "Skøder" in told.first().body_text

    client.force_login(rights_admin)
    pending = client.get(reverse("organisations:right_requests")).content.decode()
    assert "Ole Bak" in pending and "Tinglysning" in pending
    client.post(
        reverse("organisations:right_request_decide", args=[right_request.pk]),
        {"decision": "approve", "note": "God fornøjelse", "confirmed": "1"},
    )
    right_request.refresh_from_db()
    assert right_request.state == "approved"
    assert right_request.decided_by_name == rights_admin.full_name
    assert _codes(employee) == {"tinglysning"}
    outcome = OutboundEmail.objects.get(to=employee.email)
    assert outcome.subject == "Din anmodning om rettighed er godkendt"
    assert "Tinglysning" in outcome.body_text and "God fornøjelse" in outcome.body_text
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"right_requested", "right_request_approved"} <= actions


def test_a_rejected_request_tells_the_user_why(client, organisation, rights_admin, employee):
    right_request = services.right_request_create(user=employee, service=_service("barsel"))
    client.force_login(rights_admin)
    client.post(
        reverse("organisations:right_request_decide", args=[right_request.pk]),
        # The modal's button names the decision it confirms.
        {"confirmed": "reject", "note": "Ikke nødvendigt"},
    )
    right_request.refresh_from_db()
    assert right_request.state == "rejected"
    assert _codes(employee) == set()
    email = OutboundEmail.objects.get(to=employee.email)
    assert email.subject == "Din anmodning om rettighed er afvist"
    assert "Ikke nødvendigt" in email.body_text
    assert AuditEvent.objects.filter(action="right_request_rejected").exists()
    with pytest.raises(RuleError):
        services.right_request_approve(right_request=right_request, actor=rights_admin)


def test_the_user_administrator_cannot_approve(client, organisation, user_admin, employee):
    right_request = services.right_request_create(user=employee, service=_service("fmk"))
    client.force_login(user_admin)
    assert client.get(reverse("organisations:right_requests")).status_code == 403
    url = reverse("organisations:right_request_decide", args=[right_request.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.right_request_approve(right_request=right_request, actor=user_admin)
    right_request.refresh_from_db()
    assert right_request.state == "requested" and _codes(employee) == set()
    assert AuditEvent.objects.filter(action="permission_denied", actor_user=user_admin).count() == 3


def test_a_request_is_refused_for_a_held_right_or_a_second_time(employee):
    UserRight.objects.create(user=employee, service=_service("fmk"))
    with pytest.raises(RuleError) as held:
        services.right_request_create(user=employee, service=_service("fmk"))
    assert held.value.code == "has_right"
    services.right_request_create(user=employee, service=_service("sor"))
    with pytest.raises(RuleError) as twice:
        services.right_request_create(user=employee, service=_service("sor"))
    assert twice.value.code == "open_request"


def test_another_organisations_request_is_404(client, rights_admin):
    stranger = UserFactory()
    theirs = services.right_request_create(user=stranger, service=_service("fmk"))
    client.force_login(rights_admin)
    url = reverse("organisations:right_request_decide", args=[theirs.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert "Tinglysning" not in client.get(reverse("organisations:right_requests")).content.decode()
    with pytest.raises(PermissionDenied):
        services.right_request_approve(right_request=theirs, actor=rights_admin)
    theirs.refresh_from_db()
    assert theirs.state == "requested"


# --- Query counts --------------------------------------------------------------------------------


def test_the_list_pages_have_a_constant_number_of_queries(
    client, organisation, rights_admin, django_assert_max_num_queries
):
    client.force_login(rights_admin)
    group = services.user_group_create(organisation=organisation, name="A", actor=rights_admin)
    urls = [
        reverse("organisations:rights"),
        reverse("organisations:groups"),
        reverse("organisations:right_requests"),
        reverse("organisations:group", args=[group.pk]),
    ]

    def grow(n):
        for i in range(n):
            user = UserFactory(organisation=organisation)
            services.right_request_create(user=user, service=_service("fmk"))
            UserRight.objects.create(user=user, service=_service("sor"))
            group.members.add(user)
            extra = services.user_group_create(
                organisation=organisation,
                name=f"G{UserGroup.objects.count()}-{i}",
                actor=rights_admin,
            )
            extra.services.add(_service("fmk"), _service("sor"))
            extra.members.add(user)

    grow(2)
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(20) as few:
            assert client.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    grow(15)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_the_users_rights_page_has_a_constant_number_of_queries(
    client, organisation, rights_admin, employee, django_assert_max_num_queries
):
    client.force_login(rights_admin)
    url = reverse("organisations:user_rights", args=[employee.pk])
    first = services.user_group_create(organisation=organisation, name="Første", actor=rights_admin)
    first.services.add(_service("fmk"))
    first.members.add(employee)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for code, _name, _basic in services.CATALOGUE[:6]:
        UserRight.objects.create(user=employee, service=_service(code))
    for i in range(5):
        group = services.user_group_create(
            organisation=organisation, name=f"Gruppe {i}", actor=rights_admin
        )
        group.services.add(_service("sor"), _service("eindkomst"))
        group.members.add(employee)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
