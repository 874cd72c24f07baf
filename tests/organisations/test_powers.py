"""Business powers of attorney (*erhvervsfuldmagter*): created by the giver or asked for by the
receiver, users chosen by the receiver's rights administrator, revoked from either side; bad CVRs
refused; emails to the other side; audited; invisible to everyone else."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent, OutboundEmail
from organisations import services
from organisations.models import PowerOfAttorney, PublicService, RoleGrant
from tests.factories import CompanyFactory, OrganisationFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
USER_ADMIN = RoleGrant.Role.USER_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


@pytest.fixture(autouse=True)
def _catalogue():
    services.public_services_seed()


def _holder(organisation, role, email=""):
    extra = {"user__email": email} if email else {}
    return RoleGrantFactory(user__organisation=organisation, role=role, **extra).user


@pytest.fixture
def practice():
    organisation = OrganisationFactory(name="Lægehuset")
    CompanyFactory(cvr=organisation.cvr, name=organisation.name)
    return organisation


@pytest.fixture
def accountant():
    organisation = OrganisationFactory(name="Revisorhuset")
    CompanyFactory(cvr=organisation.cvr, name=organisation.name)
    return organisation


@pytest.fixture
def giver_admin(practice):
    return _holder(practice, ORG_ADMIN, "giver@example.dk")


@pytest.fixture
def receiver_admin(accountant):
    return _holder(accountant, ORG_ADMIN, "modtager@example.dk")


@pytest.fixture
def receiver_rights_admin(accountant):
    return _holder(accountant, RIGHTS_ADMIN)


def _services(*codes):
    return list(PublicService.objects.filter(code__in=codes))


def _create(practice, accountant, giver_admin, **kwargs):
    return services.power_create(
        giver=practice,
        receiver_cvr=accountant.cvr,
        services=_services("skat", "eindkomst"),
        actor=giver_admin,
        **kwargs,
    )


def test_the_giver_creates_one_and_the_receiver_is_told(
    client, practice, accountant, giver_admin, receiver_admin
):
    client.force_login(giver_admin)
    assert client.get(reverse("organisations:power_new")).status_code == 200
    until = timezone.localdate() + datetime.timedelta(days=90)
    response = client.post(
        reverse("organisations:power_new"),
        {
            "cvr": f"{accountant.cvr[:4]} {accountant.cvr[4:]}",
            "services": [s.pk for s in _services("skat", "eindkomst")],
            "valid_until": until.isoformat(),
        },
    )
    power = PowerOfAttorney.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{power.pk}/")
    assert power.state == "active" and power.receiver == accountant
    assert power.receiver_cvr == accountant.cvr and power.valid_until == until
    assert power.created_by_name == giver_admin.full_name
    email = OutboundEmail.objects.get(to=receiver_admin.email)
    assert "Lægehuset har givet jer en fuldmagt" in email.subject
    assert "TastSelv Erhverv (Skat)" in email.body_text and "eIndkomst" in email.body_text
    event = AuditEvent.objects.get(action="power_created")
    assert event.organisation == practice and event.changes["modtager"] == accountant.cvr

    client.force_login(receiver_admin)
    page = client.get(reverse("organisations:powers")).content.decode()
    assert "Modtagne fuldmagter" in page and "Lægehuset" in page


@pytest.mark.parametrize(
    ("cvr", "code"),
    [("1234", "cvr_invalid"), ("12345678", "cvr_invalid"), ("own", "cvr_own")],
)
def test_invalid_and_own_cvr_are_refused(client, practice, giver_admin, cvr, code):
    cvr = practice.cvr if cvr == "own" else cvr
    with pytest.raises(RuleError) as exc:
        services.power_create(
            giver=practice, receiver_cvr=cvr, services=_services("skat"), actor=giver_admin
        )
    assert exc.value.code == code
    client.force_login(giver_admin)
    response = client.post(
        reverse("organisations:power_new"),
        {"cvr": cvr, "services": [_services("skat")[0].pk]},
    )
    assert response.status_code == 200 and "form-error" in response.content.decode()
    assert not PowerOfAttorney.objects.exists()


def test_an_unknown_cvr_is_refused(practice, giver_admin):
    unknown = OrganisationFactory.build().cvr  # valid check digit, not in the CVR register
    with pytest.raises(RuleError) as exc:
        services.power_create(
            giver=practice, receiver_cvr=unknown, services=_services("skat"), actor=giver_admin
        )
    assert exc.value.code == "cvr_unknown"
    assert "findes ikke i CVR-registret" in str(exc.value)


def test_services_are_required_and_the_end_date_not_in_the_past(practice, accountant, giver_admin):
    with pytest.raises(RuleError):
        services.power_create(
            giver=practice, receiver_cvr=accountant.cvr, services=[], actor=giver_admin
        )
    with pytest.raises(RuleError):
        _create(
            practice,
            accountant,
            giver_admin,
            valid_until=timezone.localdate() - datetime.timedelta(days=1),
        )


def test_a_power_to_a_company_not_yet_connected_waits_for_it(practice, giver_admin):
    company = CompanyFactory(name="Lønbureauet")
    power = services.power_create(
        giver=practice, receiver_cvr=company.cvr, services=_services("skat"), actor=giver_admin
    )
    assert power.receiver is None and power.receiver_name == "Lønbureauet"
    assert not OutboundEmail.objects.exists()
    later = OrganisationFactory(cvr=company.cvr)
    admin = _holder(later, RIGHTS_ADMIN)
    user = UserFactory(organisation=later)
    services.power_user_add(power=power, user=user, actor=admin)
    power.refresh_from_db()
    assert power.receiver == later and list(power.users.all()) == [user]


@pytest.mark.parametrize("role", [USER_ADMIN, RIGHTS_ADMIN])
def test_only_organisation_administrators_create(client, practice, accountant, role):
    actor = _holder(practice, role)
    client.force_login(actor)
    response = client.post(
        reverse("organisations:power_new"),
        {"cvr": accountant.cvr, "services": [_services("skat")[0].pk]},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.power_create(
            giver=practice, receiver_cvr=accountant.cvr, services=_services("skat"), actor=actor
        )
    assert not PowerOfAttorney.objects.exists()
    assert AuditEvent.objects.filter(action="permission_denied", actor_user=actor).count() == 2


def test_the_receivers_rights_administrator_chooses_its_users(
    client, practice, accountant, giver_admin, receiver_rights_admin
):
    power = _create(practice, accountant, giver_admin)
    clerk = UserFactory(organisation=accountant, first_name="Sofie", last_name="Lund")
    client.force_login(receiver_rights_admin)
    page = client.get(reverse("organisations:power", args=[power.pk]), {"q": "Sofie"})
    assert "Sofie Lund" in page.content.decode()
    client.post(reverse("organisations:power_user_add", args=[power.pk]), {"user": clerk.pk})
    assert list(power.users.all()) == [clerk]
    client.post(
        reverse("organisations:power_user_remove", args=[power.pk]),
        {"user": clerk.pk, "confirmed": "1"},
    )
    assert not power.users.exists()
    event = AuditEvent.objects.filter(action="power_users_changed").first()
    assert event.organisation == accountant and event.changes["fjernet"] == ["Sofie Lund"]


def test_users_are_refused_for_the_giver_and_from_another_organisation(
    client, practice, accountant, giver_admin, receiver_rights_admin
):
    power = _create(practice, accountant, giver_admin)
    giver_rights_admin = _holder(practice, RIGHTS_ADMIN)
    own_user = UserFactory(organisation=practice)
    with pytest.raises(PermissionDenied):
        services.power_user_add(power=power, user=own_user, actor=giver_rights_admin)
    stranger = UserFactory()
    client.force_login(receiver_rights_admin)
    url = reverse("organisations:power_user_add", args=[power.pk])
    assert client.post(url, {"user": stranger.pk}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.power_user_add(power=power, user=stranger, actor=receiver_rights_admin)
    # The receiving organisation administrator is not its rights administrator.
    receiver_admin = _holder(accountant, ORG_ADMIN)
    client.force_login(receiver_admin)
    clerk = UserFactory(organisation=accountant)
    assert client.post(url, {"user": clerk.pk}).status_code == 403
    assert not power.users.exists()


@pytest.mark.parametrize("side", ["giver", "receiver"])
def test_either_side_revokes_and_the_other_is_told(
    client, practice, accountant, giver_admin, receiver_admin, side
):
    power = _create(practice, accountant, giver_admin)
    OutboundEmail.objects.all().delete()
    actor, other = (
        (giver_admin, receiver_admin) if side == "giver" else (receiver_admin, giver_admin)
    )
    client.force_login(actor)
    client.post(reverse("organisations:power_revoke", args=[power.pk]), {"confirmed": "1"})
    power.refresh_from_db()
    assert power.state == "revoked" and power.revoked_by_name == actor.full_name
    email = OutboundEmail.objects.get()
    assert email.to == other.email and "tilbagekaldt" in email.subject
    event = AuditEvent.objects.get(action="power_revoked")
    assert event.organisation == actor.organisation
    with pytest.raises(RuleError):
        services.power_revoke(power=power, actor=actor)
    # A revoked power takes no users.
    rights_admin = _holder(accountant, RIGHTS_ADMIN)
    with pytest.raises(RuleError):
        services.power_user_add(
            power=power, user=UserFactory(organisation=accountant), actor=rights_admin
        )


def test_the_receiver_asks_and_the_giver_approves(
    client, practice, accountant, giver_admin, receiver_admin
):
    client.force_login(receiver_admin)
    assert client.get(reverse("organisations:power_request_new")).status_code == 200
    client.post(
        reverse("organisations:power_request_new"),
        {"cvr": practice.cvr, "services": [s.pk for s in _services("fmk")]},
    )
    power = PowerOfAttorney.objects.get()
    assert power.state == "requested" and power.giver == practice
    assert power.receiver == accountant
    asked = OutboundEmail.objects.get(to=giver_admin.email)
    assert "Revisorhuset beder om en fuldmagt" in asked.subject
    # The receiver cannot approve its own request.
    approve = reverse("organisations:power_approve", args=[power.pk])
    assert client.post(approve, {"confirmed": "1"}).status_code == 403
    power.refresh_from_db()
    assert power.state == "requested"
    assert AuditEvent.objects.filter(action="permission_denied", actor_user=receiver_admin).exists()

    client.force_login(giver_admin)
    page = client.get(reverse("organisations:power", args=[power.pk])).content.decode()
    assert "Godkend fuldmagten" in page
    client.post(reverse("organisations:power_approve", args=[power.pk]), {"confirmed": "1"})
    power.refresh_from_db()
    assert power.state == "active" and power.decided_by_name == giver_admin.full_name
    told = OutboundEmail.objects.get(to=receiver_admin.email)
    assert told.subject == "Jeres anmodning om fuldmagt er godkendt"
    assert {"power_requested", "power_approved"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_the_giver_rejects_a_request(practice, accountant, giver_admin, receiver_admin):
    power = services.power_request(
        receiver=accountant,
        giver_cvr=practice.cvr,
        services=_services("fmk"),
        actor=receiver_admin,
    )
    services.power_reject(power=power, actor=giver_admin)
    power.refresh_from_db()
    assert power.state == "rejected"
    assert OutboundEmail.objects.get(to=receiver_admin.email).subject == (
        "Jeres anmodning om fuldmagt er afvist"
    )
    with pytest.raises(RuleError):
        services.power_approve(power=power, actor=giver_admin)


def test_a_request_needs_a_connected_valid_other_organisation(accountant, receiver_admin):
    company = CompanyFactory()
    for cvr, code in [
        (company.cvr, "not_connected"),
        (accountant.cvr, "cvr_own"),
        ("1234567", "cvr_invalid"),
    ]:
        with pytest.raises(RuleError) as exc:
            services.power_request(
                receiver=accountant, giver_cvr=cvr, services=_services("fmk"), actor=receiver_admin
            )
        assert exc.value.code == code
    assert not PowerOfAttorney.objects.exists()


def test_a_third_organisation_sees_nothing(client, practice, accountant, giver_admin):
    power = _create(practice, accountant, giver_admin)
    third = OrganisationFactory()
    outsider = _holder(third, ORG_ADMIN)
    client.force_login(outsider)
    assert client.get(reverse("organisations:power", args=[power.pk])).status_code == 404
    assert client.post(reverse("organisations:power_revoke", args=[power.pk])).status_code == 404
    assert "Lægehuset" not in client.get(reverse("organisations:powers")).content.decode()
    with pytest.raises(PermissionDenied):
        services.power_revoke(power=power, actor=outsider)
    power.refresh_from_db()
    assert power.state == "active"


def test_an_expired_power_shows_as_expired(client, practice, accountant, giver_admin):
    power = _create(practice, accountant, giver_admin)
    PowerOfAttorney.objects.filter(pk=power.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(giver_admin)
    assert "Udløbet" in client.get(reverse("organisations:powers")).content.decode()


def test_the_powers_page_has_a_constant_number_of_queries(
    client, practice, accountant, giver_admin, receiver_admin, django_assert_max_num_queries
):
    client.force_login(giver_admin)

    def grow(n):
        for _ in range(n):
            power = _create(practice, accountant, giver_admin)
            power.users.add(UserFactory(organisation=accountant))
            services.power_request(
                receiver=accountant,
                giver_cvr=practice.cvr,
                services=_services("fmk"),
                actor=receiver_admin,
            )

    grow(1)
    with django_assert_max_num_queries(15) as few:
        assert client.get(reverse("organisations:powers")).status_code == 200
    grow(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("organisations:powers")).status_code == 200


def _bulk_powers(giver, receiver_cvr, n):
    PowerOfAttorney.objects.bulk_create(
        PowerOfAttorney(
            giver=giver,
            receiver_cvr=receiver_cvr,
            receiver_name=f"Modtager {i:03}",
            created_by_name="Test",
        )
        for i in range(n)
    )


def test_given_and_received_are_one_list_paged_and_filtered_by_direction(
    client, practice, accountant, giver_admin, django_assert_max_num_queries
):
    # One list since issue 14 (was two lists with a page each): the direction is a filter.
    _bulk_powers(practice, accountant.cvr, 60)  # given
    _bulk_powers(accountant, practice.cvr, 55)  # received
    client.force_login(giver_admin)
    with django_assert_max_num_queries(20):
        first = client.get(reverse("organisations:powers"))
    page = first.context["page"]
    assert (page.count, len(page.object_list)) == (115, 50)
    html = first.content.decode()
    assert "Side 1 af 3" in html and 'href="?side=2"' in html
    given = client.get(reverse("organisations:powers"), {"direction": "given", "side": "2"})
    assert (given.context["page"].count, len(given.context["page"].object_list)) == (60, 10)
    assert all(row["given"] for row in given.context["rows"])
    assert 'href="?direction=given&amp;side=1"' in given.content.decode()
    received = client.get(reverse("organisations:powers"), {"direction": "received"})
    assert received.context["page"].count == 55
    assert not any(row["given"] for row in received.context["rows"])
