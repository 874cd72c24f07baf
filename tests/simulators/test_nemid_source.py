"""The simulated NemID self-service as the NemID import's source (``mitid_portal.outside``):
chunked streams, a query per chunk, the CPR handed on encrypted, only the CVR asked about."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mitid_portal import crypto
from mitid_portal.outside import NemIDAdministrator, NemIDSignature, nemid_source
from simulators.nemid.models import NemIDEmployee, NemIDRight
from simulators.nemid.source import SimulatedNemIDSource
from tests.factories import NemIDEmployeeFactory

pytestmark = pytest.mark.django_db

CVR = "12345674"


def _right(employee, code):
    return NemIDRight.objects.create(
        employee=employee, service_code=code, service_name=code.upper()
    )


def test_settings_choose_the_simulator():
    assert isinstance(nemid_source(), SimulatedNemIDSource)


def test_signatures_come_in_chunks_in_id_order_one_query_each():
    employees = NemIDEmployeeFactory.create_batch(5, cvr=CVR)
    NemIDEmployeeFactory(cvr="87654321")
    with CaptureQueriesContext(connection) as queries:
        chunks = list(nemid_source().signatures(cvr=CVR, chunk_size=2))
    assert [len(chunk) for chunk in chunks] == [2, 2, 1]
    assert [s.id for chunk in chunks for s in chunk] == sorted(e.pk for e in employees)
    assert len(queries) <= len(chunks) + 1
    assert nemid_source().signature_count(cvr=CVR) == 5


def test_a_signature_carries_what_the_import_needs_and_the_cpr_stays_encrypted(monkeypatch):
    employee = NemIDEmployeeFactory(
        cvr=CVR, rid="40001", email="lise@example.dk", is_nemid_admin=True
    )
    revoked = NemIDEmployeeFactory(
        cvr=CVR, cpr="", cpr_hash="", birth_date=datetime.date(1971, 5, 3)
    )
    NemIDEmployee.objects.filter(pk=revoked.pk).update(status=NemIDEmployee.Status.REVOKED)

    def refuse(*args, **kwargs):
        raise AssertionError("the source decrypted a CPR number")

    monkeypatch.setattr("mitid_portal.crypto.decrypt", refuse)
    [first, second] = next(nemid_source().signatures(cvr=CVR, chunk_size=10))
    monkeypatch.undo()

    assert isinstance(first, NemIDSignature)
    assert (first.id, first.rid, first.email) == (employee.pk, "40001", "lise@example.dk")
    assert (first.first_name, first.last_name) == (employee.first_name, employee.last_name)
    assert first.cpr_ciphertext != employee.cpr
    assert crypto.decrypt(first.cpr_ciphertext) == employee.cpr
    assert first.cpr_hash == employee.cpr_hash and first.birth_date == employee.birth_date
    assert first.is_active and first.is_nemid_admin
    assert (second.cpr_ciphertext, second.cpr_hash) == ("", "")
    assert second.birth_date == datetime.date(1971, 5, 3)
    assert not second.is_active and not second.is_nemid_admin


def test_rights_are_those_of_active_signatures_of_the_cvr():
    active = NemIDEmployeeFactory(cvr=CVR)
    revoked = NemIDEmployeeFactory(cvr=CVR, status=NemIDEmployee.Status.REVOKED)
    foreign = NemIDEmployeeFactory(cvr="87654321")
    _right(active, "fmk"), _right(active, "skat"), _right(revoked, "barsel"), _right(foreign, "x")
    chunks = list(nemid_source().rights(cvr=CVR, chunk_size=1))
    assert [len(chunk) for chunk in chunks] == [1, 1]
    assert {tuple(right) for chunk in chunks for right in chunk} == {
        (active.pk, "fmk", "FMK"),
        (active.pk, "skat", "SKAT"),
    }


def test_shared_cpr_hashes_are_those_of_several_active_signatures():
    first = NemIDEmployeeFactory(cvr=CVR)
    NemIDEmployeeFactory(cvr=CVR, cpr=first.cpr, cpr_hash=first.cpr_hash)
    lone = NemIDEmployeeFactory(cvr=CVR)
    NemIDEmployeeFactory(
        cvr=CVR, cpr=lone.cpr, cpr_hash=lone.cpr_hash, status=NemIDEmployee.Status.REVOKED
    )
    NemIDEmployeeFactory(cvr="87654321", cpr=lone.cpr, cpr_hash=lone.cpr_hash)
    assert nemid_source().shared_cpr_hashes(cvr=CVR) == {first.cpr_hash}


def test_administrators_are_the_active_nemid_administrators_by_name():
    bo = NemIDEmployeeFactory(cvr=CVR, first_name="Bo", last_name="Berg", is_nemid_admin=True)
    al = NemIDEmployeeFactory(cvr=CVR, first_name="Al", last_name="Ager", is_nemid_admin=True)
    NemIDEmployeeFactory(cvr=CVR, is_nemid_admin=False)
    NemIDEmployeeFactory(cvr=CVR, is_nemid_admin=True, status=NemIDEmployee.Status.REVOKED)
    NemIDEmployeeFactory(cvr="87654321", is_nemid_admin=True)
    assert nemid_source().administrators(cvr=CVR) == [
        NemIDAdministrator(id=al.pk, rid=al.rid, first_name="Al", last_name="Ager"),
        NemIDAdministrator(id=bo.pk, rid=bo.rid, first_name="Bo", last_name="Berg"),
    ]
    assert nemid_source().administrators(cvr=CVR)[0].full_name == "Al Ager"


def test_a_signature_is_found_by_rid_within_its_cvr_only():
    employee = NemIDEmployeeFactory(cvr=CVR, rid="40777")
    assert nemid_source().signature_id(cvr=CVR, rid="40777") == employee.pk
    assert nemid_source().signature_id(cvr="87654321", rid="40777") is None
    assert nemid_source().signature_id(cvr=CVR, rid="40778") is None
