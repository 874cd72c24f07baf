"""``seed_demo``: the demo world, its step-1 problems, the large organisation, idempotency, reset."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from stdnum.dk import cpr as stdnum_cpr
from stdnum.dk import cvr as stdnum_cvr

from mitid_portal import crypto
from mitid_portal.models import AuditEvent
from mitid_portal.registry import demo_seeders
from organisations.models import Organisation, RoleGrant
from simulators import demo
from simulators.mailbox.models import MailMessage, MailRecipient
from simulators.mitid.models import Device, LoginRequest, MitIDAccount
from simulators.nemid.models import NemIDAccessRefusal, NemIDChange, NemIDEmployee, NemIDRight
from simulators.nemid.readiness import readiness_report
from simulators.registers.models import Company, ManagementRepresentative, Person
from simulators.sms.models import SmsMessage
from users.models import User

pytestmark = pytest.mark.django_db

MODELS = (
    Person,
    Company,
    ManagementRepresentative,
    MitIDAccount,
    Device,
    LoginRequest,
    NemIDEmployee,
    NemIDRight,
    NemIDChange,
    NemIDAccessRefusal,
    Organisation,
    User,
    RoleGrant,
    AuditEvent,
    MailMessage,
    SmsMessage,
)


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _practice() -> list[NemIDEmployee]:
    return list(NemIDEmployee.objects.filter(cvr=demo.PRACTICE_CVR))


def _register_hashes() -> set[str]:
    return set(Person.objects.values_list("cpr_hash", flat=True))


def test_demo_cvrs_and_cprs_are_valid():
    for cvr in (demo.PRACTICE_CVR, demo.DENTAL_CVR, demo.OTHER_CVR, demo.LARGE_CVR):
        assert stdnum_cvr.is_valid(cvr)
    for person in (*demo.PEOPLE, demo.LARGE_ADMIN):
        assert stdnum_cpr.is_valid(person.cpr)
        assert stdnum_cpr.get_birth_date(person.cpr) == person.birth_date
    for key, cpr in demo._WRONG_CPR.items():
        assert stdnum_cpr.is_valid(cpr)
        assert cpr not in {person.cpr for person in demo.PEOPLE}, key


def test_running_twice_changes_no_row_counts():
    _seed()
    first = _counts()
    _seed()
    assert _counts() == first
    assert first["NemIDEmployee"] >= 12


def test_the_practice_is_not_connected_and_the_other_organisation_is():
    _seed()
    assert not Organisation.objects.filter(cvr=demo.PRACTICE_CVR).exists()
    other = Organisation.objects.get(cvr=demo.OTHER_CVR)
    assert other.state == Organisation.State.ACTIVE
    admin = RoleGrant.objects.get(organisation=other, role=RoleGrant.Role.ORGANISATION_ADMIN).user
    assert admin.full_name == "Lone Friis"
    assert admin.cpr_hash in _register_hashes()
    assert other.users.count() == 4
    # Nothing of the practice lives in the other organisation.
    practice_hashes = {e.cpr_hash for e in _practice() if e.cpr_hash}
    assert not other.users.filter(cpr_hash__in=practice_hashes).exists()


def test_owner_represents_the_practice_and_the_dental_clinic():
    _seed()
    owner = MitIDAccount.objects.get(username="hanne.vestergaard").person
    companies = set(owner.representations.values_list("company__cvr", "role"))
    assert companies == {
        (demo.PRACTICE_CVR, ManagementRepresentative.Role.OWNER),
        (demo.DENTAL_CVR, ManagementRepresentative.Role.DIRECTOR),
    }
    assert Company.objects.get(cvr=demo.PRACTICE_CVR).name == "Lægehuset Vestergade I/S"


def test_every_persona_has_a_private_mitid_with_an_app():
    _seed()
    for persona in demo.PERSONAS:
        account = MitIDAccount.objects.get(username=persona["username"])
        assert account.person.full_name == persona["name"]
        assert account.devices.filter(kind=Device.Kind.APP).exists()
    for username in ("hanne.vestergaard", "jesper.lund"):
        kodeviser = Device.objects.get(account__username=username, kind=Device.Kind.KODEVISER)
        assert kodeviser.totp_secret


def test_the_accountant_is_not_an_employee():
    _seed()
    accountant = MitIDAccount.objects.get(username="jesper.lund").person
    assert not NemIDEmployee.objects.filter(cpr_hash=accountant.cpr_hash).exists()
    assert not accountant.representations.exists()


def test_every_employee_person_is_in_the_cpr_register_with_a_private_mitid():
    _seed()
    names = {(p.first_name, p.last_name) for p in Person.objects.filter(mitid__isnull=False)}
    for signature in demo.PRACTICE.signatures:
        person = demo._PERSON[signature.person]
        assert (person.first_name, person.last_name) in names


class TestThePracticeHasTheGuidesStepOneProblems:
    @pytest.fixture(autouse=True)
    def _world(self):
        _seed()

    def test_rows_and_nemid_administrators(self):
        employees = _practice()
        assert 12 <= len(employees) <= 16
        assert sum(e.is_nemid_admin for e in employees) >= 2
        assert all(e.rights.exists() for e in employees)
        codes = set(
            NemIDRight.objects.filter(employee__cvr=demo.PRACTICE_CVR).values_list(
                "service_code", flat=True
            )
        )
        assert {"fmk", "nemrefusion", "digital_post", "sundhedsjournal", "barsel"} <= codes

    def test_one_without_email(self):
        assert [e.full_name for e in _practice() if not e.email] == ["Camilla Østergaard"]

    def test_one_without_cpr_link_has_only_a_birth_date(self):
        without = [e for e in _practice() if not e.cpr_hash]
        assert [e.full_name for e in without] == ["Birthe Nørgaard"]
        assert without[0].birth_date == datetime.date(1962, 2, 26)
        assert without[0].cpr == ""

    def test_one_cpr_link_is_unknown_to_the_register(self):
        known = _register_hashes()
        unknown = [e for e in _practice() if e.cpr_hash and e.cpr_hash not in known]
        assert [e.full_name for e in unknown] == ["Jonas Dahl"]
        assert stdnum_cpr.is_valid(unknown[0].cpr)

    def test_one_name_differs_from_the_register(self):
        register = {p.cpr_hash: (p.first_name, p.last_name) for p in Person.objects.all()}
        differing = [
            e
            for e in _practice()
            if e.cpr_hash in register and register[e.cpr_hash] != (e.first_name, e.last_name)
        ]
        assert [e.full_name for e in differing] == ["Kim Andersen"]
        assert register[differing[0].cpr_hash] == ("Kim Møller", "Andersen")

    def test_one_without_rid(self):
        assert [e.full_name for e in _practice() if not e.rid] == ["Rasmus Poulsen"]

    def test_one_person_has_two_signatures(self):
        active = [e for e in _practice() if e.status == NemIDEmployee.Status.ACTIVE and e.cpr_hash]
        hashes = [e.cpr_hash for e in active]
        duplicated = {e.full_name for e in active if hashes.count(e.cpr_hash) > 1}
        assert duplicated == {"Anne Mortensen"}
        assert len({e.rid for e in active if e.full_name == "Anne Mortensen"}) == 2

    def test_one_not_used_for_over_a_year(self):
        year_ago = timezone.now() - datetime.timedelta(days=365)
        stale = [
            e.full_name
            for e in _practice()
            if e.status == NemIDEmployee.Status.ACTIVE and e.last_used_at < year_ago
        ]
        assert stale == ["Bent Holm"]

    def test_one_has_left_but_is_active_and_one_is_already_revoked(self):
        by_name = {e.full_name: e for e in _practice()}
        assert by_name["Mette Kjær"].status == NemIDEmployee.Status.ACTIVE
        assert by_name["Tove Jakobsen"].status == NemIDEmployee.Status.REVOKED

    def test_the_readiness_report_finds_every_problem(self):
        report = readiness_report(cvr=demo.PRACTICE_CVR)
        assert {
            "missing_email",
            "missing_cpr",
            "cpr_unknown",
            "name_mismatch",
            "missing_rid",
            "duplicate_person",
            "inactive",
        } <= report.codes()


def test_it_never_prints_a_full_cpr():
    output = _seed("--employees", "20")
    for person in (*demo.PEOPLE, demo.LARGE_ADMIN):
        assert person.cpr not in output
    assert not re.search(r"\d{10}", output)
    assert "hanne.vestergaard" in output
    assert "birgitte.skov" in output


def test_large_organisation_has_exactly_n_employees_and_is_idempotent():
    _seed("--employees", "200")
    employees = NemIDEmployee.objects.filter(cvr=demo.LARGE_CVR)
    assert employees.count() == 200
    assert employees.filter(is_nemid_admin=True).count() >= 1
    rights = NemIDRight.objects.filter(employee__cvr=demo.LARGE_CVR)
    assert 200 <= rights.count() <= 600
    assert not employees.filter(rights__isnull=True).exists()
    assert len(set(employees.values_list("rid", flat=True))) == 200
    hashes = list(employees.values_list("cpr_hash", flat=True))
    assert len(set(hashes)) == 200 and "" not in hashes
    sample = employees.order_by("?")[:20]
    assert all(stdnum_cpr.is_valid(e.cpr) and e.email for e in sample)

    organisation = Organisation.objects.get(cvr=demo.LARGE_CVR)
    assert organisation.is_public
    assert Company.objects.get(cvr=demo.LARGE_CVR).is_public
    grant = RoleGrant.objects.get(organisation=organisation, role=RoleGrant.Role.ORGANISATION_ADMIN)
    assert grant.user.cpr_hash == crypto.cpr_hash(demo.LARGE_ADMIN.cpr)
    assert MitIDAccount.objects.get(username="birgitte.skov").devices.exists()

    counts = _counts()
    _seed("--employees", "200")
    assert _counts() == counts


def test_a_larger_n_tops_up():
    _seed("--employees", "50")
    _seed("--employees", "120")
    assert NemIDEmployee.objects.filter(cvr=demo.LARGE_CVR).count() == 120


def test_reset_restores_the_starting_state():
    _seed()
    start = _counts()
    # A trainee at work: revokes, corrects, connects, gets mail and SMS, logs in.
    employee = NemIDEmployee.objects.get(rid="38416213")
    employee.status = NemIDEmployee.Status.REVOKED
    employee.save()
    NemIDChange.objects.create(employee=employee, actor_name="Hanne Vestergaard", field="status")
    NemIDAccessRefusal.objects.create(
        cvr=demo.PRACTICE_CVR, actor_name="Ole Udenfor", method="GET", path="/"
    )
    practice = Organisation.objects.create(cvr=demo.PRACTICE_CVR, name="Lægehuset Vestergade I/S")
    accountant = User.objects.create(
        organisation=practice,
        first_name="Jesper",
        last_name="Lund",
        email="jesper.lund@lund-revision.dk",
    )
    RoleGrant.objects.create(
        organisation=practice, user=accountant, role=RoleGrant.Role.ORGANISATION_ADMIN
    )
    AuditEvent.objects.create(cvr=demo.PRACTICE_CVR, actor_name="Hanne", action="x")
    message = MailMessage.objects.create(
        sender="noreply@mitid-erhverv.dk", subject="Du er udpeget", body_text="...", to="x"
    )
    MailRecipient.objects.create(message=message, address="jesper.lund@lund-revision.dk")
    SmsMessage.objects.create(number="+4528904417", text="Kode 123456")
    LoginRequest.objects.create(
        account=MitIDAccount.objects.get(username="jesper.lund"),
        client="portal",
        return_url="/",
        expires_at=timezone.now(),
    )
    Device.objects.filter(account__username="hanne.vestergaard").delete()
    assert _counts() != start

    _seed("--reset")
    assert _counts() == start
    assert NemIDEmployee.objects.get(rid="38416213").status == NemIDEmployee.Status.ACTIVE
    assert not Organisation.objects.filter(cvr=demo.PRACTICE_CVR).exists()


def test_reset_leaves_unrelated_data_alone():
    from tests.factories import NemIDEmployeeFactory, PersonFactory

    stranger = PersonFactory()
    foreign = NemIDEmployeeFactory()
    unrelated_mail = MailMessage.objects.create(sender="a", subject="b", body_text="c", to="d")
    MailRecipient.objects.create(message=unrelated_mail, address="someone@example.dk")
    _seed("--reset")
    assert Person.objects.filter(pk=stranger.pk).exists()
    assert NemIDEmployee.objects.filter(pk=foreign.pk).exists()
    assert MailMessage.objects.filter(pk=unrelated_mail.pk).exists()


def test_reset_with_employees_recreates_the_large_organisation():
    _seed("--employees", "30")
    counts = _counts()
    NemIDEmployee.objects.filter(cvr=demo.LARGE_CVR, rid=demo.large_rid(3)).delete()
    _seed("--reset", "--employees", "30")
    assert _counts() == counts


def test_the_simulated_world_is_seeded_before_the_portal_part_and_the_broker_last():
    assert [seeder.name for seeder in demo_seeders()] == ["simulated_world", "portal", "broker"]
