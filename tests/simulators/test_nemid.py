"""The simulated NemID medarbejdersignatur self-service and its readiness report (G1.1–G1.6)."""

import datetime
import itertools
from html import escape

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from stdnum.dk import cvr as stdnum_cvr

from mitid_portal import crypto
from mitid_portal.models import AuditEvent
from simulators.nemid.models import NemIDAccessRefusal, NemIDChange, NemIDEmployee, NemIDRight
from simulators.nemid.readiness import Code, readiness_report
from tests.factories import (
    CompanyFactory,
    NemIDEmployeeFactory,
    PersonFactory,
    RepresentativeFactory,
)
from tests.helpers import sign_in_person

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------------


_cvr_numbers = itertools.count(1)


def other_company(**kwargs):
    """A company with a CVR of its own: CompanyFactory's sequence can land two companies on the
    same valid CVR (it searches forward from steps of 17), so these come from a wider spacing."""
    start = 50_000_000 + next(_cvr_numbers) * 1_000
    number = next(str(n) for n in range(start, start + 1_000) if stdnum_cvr.is_valid(str(n)))
    return CompanyFactory(cvr=number, **kwargs)


def clean_employee(cvr: str, **kwargs) -> NemIDEmployee:
    """An employee with nothing to fix: in the CPR register under the same name, used lately."""
    person = kwargs.pop("person", None) or PersonFactory()
    defaults = {
        "cvr": cvr,
        "cpr": person.cpr,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date,
        "last_used_at": timezone.now() - datetime.timedelta(days=10),
    }
    return NemIDEmployeeFactory(**{**defaults, **kwargs})


def with_rights(employee: NemIDEmployee, *names: str) -> NemIDEmployee:
    for i, name in enumerate(names):
        NemIDRight.objects.create(employee=employee, service_code=f"svc{i}", service_name=name)
    return employee


def fields(employee: NemIDEmployee) -> dict:
    employee.refresh_from_db()
    return model_to_dict(employee) | {"cpr_hash": employee.cpr_hash}


@pytest.fixture
def owner():
    """The practice's owner, named in the CVR register, signed in with private MitID."""
    return RepresentativeFactory(
        company=other_company(), person__first_name="Hanne", person__last_name="Vestergaard"
    )


@pytest.fixture
def cvr(owner):
    return owner.company.cvr


@pytest.fixture
def signed_in(client, owner):
    sign_in_person(client, owner.person)
    return client


def url(name, *args):
    return reverse(f"nemid:{name}", args=args)


# --- access (G1.1) ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_and_back(client, cvr):
    response = client.get(url("employees", cvr))
    assert response.status_code == 302
    assert response.url == f"{reverse('login:start')}?next=/simulator/nemid/{cvr}/"
    assert client.get(url("index")).url.startswith(reverse("login:start"))


def test_anonymous_post_changes_nothing(client, cvr):
    employee = clean_employee(cvr)
    response = client.post(url("employee_revoke", cvr, employee.pk))
    assert response.status_code == 302 and response.url.startswith(reverse("login:start"))
    employee.refresh_from_db()
    assert employee.status == NemIDEmployee.Status.ACTIVE
    assert not NemIDChange.objects.exists() and not AuditEvent.objects.exists()


def test_a_representative_of_one_company_goes_straight_to_its_employees(signed_in, cvr):
    response = signed_in.get(url("index"))
    assert response.status_code == 302 and response.url == url("employees", cvr)


def test_a_representative_of_several_companies_chooses_from_a_list(signed_in, owner):
    other = RepresentativeFactory(person=owner.person, company=other_company(name="Klinik Nord"))
    html = signed_in.get(url("index")).content.decode()
    assert escape(owner.company.name) in html and "Klinik Nord" in html
    assert url("employees", other.company.cvr) in html


def test_a_person_who_represents_nothing_is_told_so(client):
    sign_in_person(client, PersonFactory())
    html = client.get(url("index")).content.decode()
    assert "Du kan ikke handle for nogen virksomhed" in html


def test_outsider_gets_404_and_only_the_attempt_is_kept(client, cvr):
    employee = clean_employee(cvr, email="a@example.dk")
    outsider = PersonFactory(first_name="Ole", last_name="Udenfor")
    sign_in_person(client, outsider)
    before = fields(employee)

    assert client.get(url("employees", cvr)).status_code == 404
    assert (
        client.post(url("employee_email", cvr, employee.pk), {"email": "x@example.dk"}).status_code
        == 404
    )

    assert fields(employee) == before
    assert not NemIDChange.objects.exists()
    refusals = list(NemIDAccessRefusal.objects.all())
    assert len(refusals) == 2
    assert {(r.method, r.path) for r in refusals} == {
        ("GET", url("employees", cvr)),
        ("POST", url("employee_email", cvr, employee.pk)),
    }
    assert {r.cvr for r in refusals} == {cvr}
    assert {r.actor_name for r in refusals} == {"Ole Udenfor"}
    assert not AuditEvent.objects.exists()  # the simulator writes nothing into portal tables


def test_an_employee_of_another_cvr_is_404_under_ones_own(signed_in, cvr):
    foreign = clean_employee(other_company().cvr)
    assert signed_in.get(url("employee", cvr, foreign.pk)).status_code == 404
    assert signed_in.post(url("employee_revoke", cvr, foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == NemIDEmployee.Status.ACTIVE


# --- the employee list (G1.1) -------------------------------------------------------------------


def test_the_list_shows_employees_with_masked_cpr_birth_date_and_rights(signed_in, cvr):
    with_cpr = with_rights(
        clean_employee(cvr, rid="40001", email="lise@example.dk", is_nemid_admin=True),
        "Digital Post",
        "Skat",
    )
    birth_only = NemIDEmployeeFactory(
        cvr=cvr, cpr="", birth_date=datetime.date(1971, 5, 3), first_name="Bo", last_name="Berg"
    )
    NemIDEmployeeFactory(cvr=other_company().cvr, first_name="Fremmed", last_name="Person")

    html = signed_in.get(url("employees", cvr)).content.decode()
    assert with_cpr.masked_cpr in html and with_cpr.cpr not in html
    assert "03.05.1971" in html and birth_only.full_name in html
    assert "Digital Post, Skat" in html
    assert "40001" in html and "lise@example.dk" in html and "Aktiv" in html
    assert "Fremmed Person" not in html


@pytest.mark.parametrize("term", ["Kirsten", "kirsten@example", "40777"])
def test_the_list_is_searchable_by_name_email_and_rid(signed_in, cvr, term):
    clean_employee(cvr, first_name="Kirsten", rid="40777", email="kirsten@example.dk")
    clean_employee(cvr, first_name="Torben", rid="40888", email="torben@example.dk")
    html = signed_in.get(url("employees", cvr), {"q": term}).content.decode()
    table = html.split('data-testid="employees"')[1]
    assert "Kirsten" in table and "Torben" not in table


def test_the_list_is_paginated_by_50(signed_in, cvr):
    for _ in range(51):
        clean_employee(cvr)
    first = signed_in.get(url("employees", cvr))
    assert len(first.context["page"].object_list) == 50
    assert "Side 1 af 2" in first.content.decode()
    assert len(signed_in.get(url("employees", cvr), {"side": 2}).context["page"]) == 1


def _page_queries(client, cvr) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("employees", cvr)).status_code == 200
    return len(queries)


def test_the_list_and_report_take_the_same_queries_for_5_and_50_employees(
    signed_in, cvr, django_assert_max_num_queries
):
    for i in range(5):
        with_rights(
            clean_employee(cvr, email="" if i % 2 else f"e{i}@example.dk"), "Skat", "eIndkomst"
        )
    few = _page_queries(signed_in, cvr)
    for i in range(45):
        with_rights(clean_employee(cvr, email="" if i % 2 else f"f{i}@example.dk"), "Skat")
    assert _page_queries(signed_in, cvr) == few
    with django_assert_max_num_queries(15):
        signed_in.get(url("employees", cvr))


# --- revoke (G1.2) ------------------------------------------------------------------------------


def test_revoke_asks_first_and_changes_nothing_on_get(signed_in, cvr):
    employee = clean_employee(cvr)
    response = signed_in.get(url("employee_revoke", cvr, employee.pk))
    assert "Er du sikker?" in response.content.decode()
    employee.refresh_from_db()
    assert employee.status == NemIDEmployee.Status.ACTIVE
    assert not NemIDChange.objects.exists()


def test_revoke_changes_only_the_status_and_is_recorded(signed_in, cvr):
    employee = clean_employee(cvr, rid="40123", first_name="Mette", last_name="Lund")
    before = fields(employee)
    response = signed_in.post(url("employee_revoke", cvr, employee.pk))
    assert response.status_code == 302 and response.url == url("employees", cvr)

    after = fields(employee)
    assert after.pop("status") == "revoked"
    before.pop("status")
    assert after == before

    change = NemIDChange.objects.get(employee=employee)
    assert (change.field, change.old_value, change.new_value) == ("status", "active", "revoked")
    assert change.actor_name == "Hanne Vestergaard"
    assert str(change.employee) == "Mette Lund (RID 40123)" and change.employee.cvr == cvr
    assert not AuditEvent.objects.exists()  # the simulator writes nothing into portal tables


def test_a_second_revoke_does_nothing_more(signed_in, cvr):
    employee = clean_employee(cvr)
    signed_in.post(url("employee_revoke", cvr, employee.pk))
    signed_in.post(url("employee_revoke", cvr, employee.pk))
    assert NemIDChange.objects.count() == 1


def test_a_revoked_employee_cannot_be_edited(signed_in, cvr):
    employee = clean_employee(cvr, email="old@example.dk")
    signed_in.post(url("employee_revoke", cvr, employee.pk))
    signed_in.post(url("employee_email", cvr, employee.pk), {"email": "new@example.dk"})
    employee.refresh_from_db()
    assert employee.email == "old@example.dk"
    assert NemIDChange.objects.count() == 1


# --- email (G1.3) -------------------------------------------------------------------------------


def test_email_change_changes_only_the_email_and_is_recorded(signed_in, cvr):
    employee = clean_employee(cvr, email="")
    before = fields(employee)
    response = signed_in.post(url("employee_email", cvr, employee.pk), {"email": "ny@klinik.dk"})
    assert response.status_code == 302
    after = fields(employee)
    assert after.pop("email") == "ny@klinik.dk"
    before.pop("email")
    assert after == before
    change = NemIDChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == ("email", "", "ny@klinik.dk")
    assert change.employee == employee and change.actor_name == "Hanne Vestergaard"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("value", ["ikke-en-mail", "a@b", "", "lise@@klinik.dk"])
def test_a_malformed_email_is_refused_in_danish_and_kept(signed_in, cvr, value):
    employee = clean_employee(cvr, email="gammel@klinik.dk")
    response = signed_in.post(url("employee_email", cvr, employee.pk), {"email": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Indtast en gyldig e-mailadresse" in html or "Indtast medarbejderens e-mailadresse" in html
    )
    if value:
        assert f'value="{value}"' in html
    employee.refresh_from_db()
    assert employee.email == "gammel@klinik.dk"
    assert not NemIDChange.objects.exists() and not AuditEvent.objects.exists()


# --- CPR (G1.4) ---------------------------------------------------------------------------------


def test_linking_a_cpr_derives_the_birth_date_and_records_it_masked(signed_in, cvr):
    person = PersonFactory(birth_date=datetime.date(1982, 7, 14))
    employee = NemIDEmployeeFactory(
        cvr=cvr,
        cpr="",
        birth_date=datetime.date(1982, 7, 15),
        first_name=person.first_name,
        last_name=person.last_name,
    )
    before = fields(employee)
    typed = f"{person.cpr[:6]}-{person.cpr[6:]}"
    response = signed_in.post(url("employee_cpr", cvr, employee.pk), {"cpr": typed})
    assert response.status_code == 302

    after = fields(employee)
    assert after.pop("cpr") == person.cpr
    assert after.pop("cpr_hash") == crypto.cpr_hash(person.cpr)
    assert after.pop("birth_date") == datetime.date(1982, 7, 14)
    for key in ("cpr", "cpr_hash", "birth_date"):
        before.pop(key)
    assert after == before

    masked = f"{person.cpr[:6]}-****"
    changes = {c.field: (c.old_value, c.new_value) for c in NemIDChange.objects.all()}
    assert changes == {"cpr": ("", masked), "birth_date": ("1982-07-15", "1982-07-14")}
    assert not AuditEvent.objects.exists()
    assert person.cpr[6:] not in "".join(v for pair in changes.values() for v in pair)


def test_correcting_a_cpr_records_both_masked(signed_in, cvr):
    right = PersonFactory()
    employee = NemIDEmployeeFactory(cvr=cvr)  # a CPR the register does not know
    wrong = employee.cpr
    signed_in.post(url("employee_cpr", cvr, employee.pk), {"cpr": right.cpr})
    change = NemIDChange.objects.get(field="cpr")
    assert (change.old_value, change.new_value) == (f"{wrong[:6]}-****", f"{right.cpr[:6]}-****")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345", "Et CPR-nummer består af 10 cifre"),
        ("abcdefghij", "Et CPR-nummer består af 10 cifre"),
        ("320190-1234", "CPR-nummeret indeholder ikke en gyldig fødselsdato"),
        ("", "Indtast medarbejderens CPR-nummer"),
    ],
)
def test_a_malformed_cpr_is_refused_in_danish_and_kept(signed_in, cvr, value, message):
    employee = NemIDEmployeeFactory(cvr=cvr, cpr="", birth_date=datetime.date(1990, 1, 1))
    before = fields(employee)
    response = signed_in.post(url("employee_cpr", cvr, employee.pk), {"cpr": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if value:
        assert f'value="{value}"' in html
    assert fields(employee) == before
    assert not NemIDChange.objects.exists() and not AuditEvent.objects.exists()


def test_a_cpr_unknown_to_the_register_is_refused(signed_in, cvr):
    employee = NemIDEmployeeFactory(cvr=cvr, cpr="", birth_date=datetime.date(1990, 1, 1))
    response = signed_in.post(url("employee_cpr", cvr, employee.pk), {"cpr": "0101901234"})
    assert "CPR-nummeret findes ikke i CPR-registret" in response.content.decode()
    employee.refresh_from_db()
    assert employee.cpr == "" and not NemIDChange.objects.exists()


def test_a_cpr_already_on_another_active_signature_is_refused(signed_in, cvr):
    holder = clean_employee(cvr, rid="40555")
    employee = NemIDEmployeeFactory(cvr=cvr, cpr="", birth_date=datetime.date(1990, 1, 1))
    response = signed_in.post(url("employee_cpr", cvr, employee.pk), {"cpr": holder.cpr})
    assert "RID 40555" in response.content.decode()
    employee.refresh_from_db()
    assert employee.cpr == "" and not NemIDChange.objects.exists()


# --- name (G1.5) --------------------------------------------------------------------------------


def test_name_change_changes_only_the_name_and_is_recorded(signed_in, cvr):
    employee = clean_employee(cvr, first_name="Ane", last_name="Hansen")
    before = fields(employee)
    signed_in.post(
        url("employee_name", cvr, employee.pk),
        {"first_name": "Anne Marie", "last_name": "Hansen-Berg"},
    )
    after = fields(employee)
    assert (after.pop("first_name"), after.pop("last_name")) == ("Anne Marie", "Hansen-Berg")
    before.pop("first_name"), before.pop("last_name")
    assert after == before
    change = NemIDChange.objects.get()
    assert (change.field, change.old_value, change.new_value) == (
        "name",
        "Ane Hansen",
        "Anne Marie Hansen-Berg",
    )
    assert change.employee == employee and change.actor_name == "Hanne Vestergaard"
    assert not AuditEvent.objects.exists()


def test_an_empty_name_is_refused(signed_in, cvr):
    employee = clean_employee(cvr, first_name="Ane")
    response = signed_in.post(
        url("employee_name", cvr, employee.pk), {"first_name": "", "last_name": "Holm"}
    )
    html = response.content.decode()
    assert "Indtast medarbejderens fornavn(e)." in html and 'value="Holm"' in html
    assert not NemIDChange.objects.exists()


def test_one_click_uses_the_name_from_the_cpr_register(signed_in, cvr):
    person = PersonFactory(first_name="Karen Margrethe", last_name="Kjær")
    employee = clean_employee(cvr, person=person, first_name="Karen", last_name="Kjaer")
    assert signed_in.get(url("employee_name_from_register", cvr, employee.pk)).status_code == 405
    signed_in.post(url("employee_name_from_register", cvr, employee.pk))
    employee.refresh_from_db()
    assert employee.full_name == "Karen Margrethe Kjær"
    change = NemIDChange.objects.get()
    assert (change.field, change.new_value) == ("name", "Karen Margrethe Kjær")


def test_the_employee_page_shows_its_change_history(signed_in, cvr):
    employee = clean_employee(cvr, email="")
    signed_in.post(url("employee_email", cvr, employee.pk), {"email": "ny@klinik.dk"})
    html = signed_in.get(url("employee", cvr, employee.pk)).content.decode()
    assert "Ændringer" in html and "ny@klinik.dk" in html and "Hanne Vestergaard" in html


# --- the readiness report (G1.2–G1.6) -----------------------------------------------------------


@pytest.fixture
def practice(cvr):
    """One employee per problem kind, two clean ones and one already revoked."""
    old = timezone.now() - datetime.timedelta(days=400)
    renamed = PersonFactory(first_name="Karen Margrethe", last_name="Kjær")
    twin = PersonFactory()
    return {
        "clean": [clean_employee(cvr), clean_employee(cvr)],
        Code.MISSING_EMAIL: clean_employee(cvr, email=""),
        Code.MISSING_CPR: NemIDEmployeeFactory(
            cvr=cvr, cpr="", birth_date=datetime.date(1977, 3, 2)
        ),
        Code.CPR_UNKNOWN: NemIDEmployeeFactory(cvr=cvr),
        Code.NAME_MISMATCH: clean_employee(cvr, person=renamed, first_name="Karen"),
        Code.MISSING_RID: clean_employee(cvr, rid=""),
        Code.DUPLICATE_PERSON: [
            clean_employee(cvr, person=twin),
            clean_employee(cvr, person=twin),
        ],
        Code.INACTIVE: clean_employee(cvr, last_used_at=old),
        "revoked": NemIDEmployeeFactory(cvr=cvr, email="", status=NemIDEmployee.Status.REVOKED),
    }


def test_the_report_finds_each_problem_kind(practice, cvr):
    report = readiness_report(cvr=cvr)
    assert report.active_count == 10
    assert report.needing_action == 8  # the two twins each
    for code in (
        Code.MISSING_EMAIL,
        Code.MISSING_CPR,
        Code.CPR_UNKNOWN,
        Code.NAME_MISMATCH,
        Code.MISSING_RID,
        Code.INACTIVE,
    ):
        problems = report.problems_for(practice[code].pk)
        assert [p.code for p in problems] == [code], code
    for twin in practice[Code.DUPLICATE_PERSON]:
        assert [p.code for p in report.problems_for(twin.pk)] == [Code.DUPLICATE_PERSON]
    for employee in [*practice["clean"], practice["revoked"]]:
        assert report.problems_for(employee.pk) == ()

    name = report.problems_for(practice[Code.NAME_MISMATCH].pk)[0]
    assert name.text == "Navnet afviger fra CPR-registret (sundhedskortet): Karen Margrethe Kjær"
    assert name.guide_id == "G1.5"
    assert name.one_click_url == url(
        "employee_name_from_register", cvr, practice[Code.NAME_MISMATCH].pk
    )
    cpr = report.problems_for(practice[Code.MISSING_CPR].pk)[0]
    assert cpr.text == "Mangler CPR-tilknytning – kun fødselsdato" and cpr.guide_id == "G1.4"
    assert cpr.fix_url == url("employee_cpr", cvr, practice[Code.MISSING_CPR].pk)
    email = report.problems_for(practice[Code.MISSING_EMAIL].pk)[0]
    assert (email.text, email.guide_id) == ("Mangler e-mail", "G1.3")
    assert email.fix_url == url("employee_email", cvr, practice[Code.MISSING_EMAIL].pk)
    rid = report.problems_for(practice[Code.MISSING_RID].pk)[0]
    assert rid.guide_id == "G1.6" and "NemID support" in rid.advice
    assert rid.fix_url == url("employee_revoke", cvr, practice[Code.MISSING_RID].pk)
    inactive = report.problems_for(practice[Code.INACTIVE].pk)[0]
    assert inactive.text == "Ikke brugt i over et år" and inactive.guide_id == "G1.2"


def test_the_page_shows_the_summary_line_and_the_fixes(signed_in, practice, cvr):
    html = signed_in.get(url("employees", cvr)).content.decode()
    assert "8 af 10 medarbejdere kræver handling" in html
    assert "Alle medarbejdere er klar til MitID Erhverv" not in html
    assert url("employee_email", cvr, practice[Code.MISSING_EMAIL].pk) in html
    assert "Brug navnet fra CPR-registret" in html
    assert "Ryd op i medarbejdere" in html
    assert "slet de medarbejdere der ikke mere arbejder for praksis" in html


def test_a_clean_cvr_has_no_problems_and_shows_the_green_state(signed_in, cvr):
    for _ in range(3):
        clean_employee(cvr)
    NemIDEmployeeFactory(cvr=cvr, email="", rid="", status=NemIDEmployee.Status.REVOKED)
    report = readiness_report(cvr=cvr)
    assert report.is_clean and report.active_count == 3 and report.codes() == set()
    html = signed_in.get(url("employees", cvr)).content.decode()
    assert "Alle medarbejdere er klar til MitID Erhverv" in html
    assert "alert-success" in html


def test_the_employee_page_lists_its_own_problems(signed_in, practice, cvr):
    employee = practice[Code.NAME_MISMATCH]
    html = signed_in.get(url("employee", cvr, employee.pk)).content.decode()
    assert "Navnet afviger fra CPR-registret (sundhedskortet): Karen Margrethe Kjær" in html


def test_fixing_everything_makes_the_report_clean(signed_in, practice, cvr):
    signed_in.post(
        url("employee_email", cvr, practice[Code.MISSING_EMAIL].pk), {"email": "x@klinik.dk"}
    )
    person = PersonFactory()
    employee = practice[Code.MISSING_CPR]
    NemIDEmployee.objects.filter(pk=employee.pk).update(
        first_name=person.first_name, last_name=person.last_name
    )
    signed_in.post(url("employee_cpr", cvr, employee.pk), {"cpr": person.cpr})
    signed_in.post(url("employee_revoke", cvr, practice[Code.CPR_UNKNOWN].pk))
    signed_in.post(url("employee_name_from_register", cvr, practice[Code.NAME_MISMATCH].pk))
    signed_in.post(url("employee_revoke", cvr, practice[Code.MISSING_RID].pk))
    signed_in.post(url("employee_revoke", cvr, practice[Code.DUPLICATE_PERSON][1].pk))
    signed_in.post(url("employee_revoke", cvr, practice[Code.INACTIVE].pk))
    report = readiness_report(cvr=cvr)
    assert report.is_clean, [(e.employee, e.problems) for e in report.entries]
    assert report.active_count == 6


def test_the_report_takes_a_constant_number_of_queries(cvr, django_assert_num_queries):
    def make(n):
        for i in range(n):
            kind = i % 4
            if kind == 0:
                clean_employee(cvr)
            elif kind == 1:
                clean_employee(cvr, email="")
            elif kind == 2:
                NemIDEmployeeFactory(cvr=cvr)
            else:
                clean_employee(cvr, first_name="Forkert")

    make(5)
    with django_assert_num_queries(2):
        few = readiness_report(cvr=cvr)
    make(45)
    with django_assert_num_queries(2):
        many = readiness_report(cvr=cvr)
    assert few.active_count == 5 and many.active_count == 50
