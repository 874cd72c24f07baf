"""The NemID import in chunks and its report as rows (issue 14, "Flat, fast heavy work"): the
outcome does not depend on where the chunks end, the report page reads one page of the rows that
need attention and the CSV streams every row, with the same number of queries for 3 signatures
as for 60."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.models import RoleGrant, UserRight
from simulators.nemid.models import NemIDEmployee
from users import report, views
from users.models import ImportReportRow, ImportRun, User
from users.services import import_nemid as service
from users.services import users_import_from_nemid

pytestmark = pytest.mark.django_db


def _report(run):
    return [
        (rid, name, outcome, reason, attention)
        for rid, name, outcome, reason, attention in ImportReportRow.objects.filter(run=run)
        .order_by("pk")
        .values_list("rid", "name", "outcome", "reason", "needs_attention")
    ]


def _world(employee):
    """Signatures whose outcomes depend on others far away in the stream."""
    old = employee(rid="101", first_name="Anne", last_name="Gammel")
    NemIDEmployee.objects.filter(pk=old.pk).update(status=NemIDEmployee.Status.REVOKED)
    employee(rid="102", first_name="Bo", last_name="Berg", rights=["fmk"])
    twin = employee(rid="103", first_name="Carl", last_name="Dobbelt", rights=["barsel"])
    employee(rid="", first_name="Dorte", last_name="Uden", rights=["nemrefusion"])
    admin = employee(rid="105", first_name="Erik", last_name="Admin", is_nemid_admin=True)
    employee(
        rid="106", first_name="Carl", last_name="Dobbelt", cpr=twin.cpr, cpr_hash=twin.cpr_hash
    )
    employee(rid="107", first_name="Anne", last_name="Ny", cpr=old.cpr, cpr_hash=old.cpr_hash)
    return admin


@pytest.mark.parametrize("chunk", [1, 2, 3, 5000])
def test_the_outcome_is_the_same_wherever_the_chunks_end(
    organisation, employee, monkeypatch, chunk
):
    admin = _world(employee)
    monkeypatch.setattr(service, "CHUNK", chunk)
    run = users_import_from_nemid(
        organisation=organisation,
        started_by_name="Hanne",
        admin_roles={admin.pk: RoleGrant.Role.USER_ADMIN},
    )
    assert run.state == ImportRun.State.DONE, run.error
    assert (run.total, run.imported, run.skipped, run.flagged) == (7, 6, 1, 3)
    assert _report(run) == [
        ("101", "Anne Gammel", report.SKIPPED, report.REASON_REVOKED_OTHER, True),
        ("102", "Bo Berg", report.IMPORTED, "", False),
        ("103", "Carl Dobbelt", report.FLAGGED, report.REASON_DUPLICATE, True),
        ("", "Dorte Uden", report.FLAGGED, report.REASON_NO_RID, True),
        ("105", "Erik Admin", report.IMPORTED, "", False),
        ("106", "Carl Dobbelt", report.FLAGGED, report.REASON_DUPLICATE, True),
        ("107", "Anne Ny", report.IMPORTED, "", False),
    ]
    rights = set(UserRight.objects.values_list("user__rid", "service__code", "from_rid"))
    assert rights == {("102", "fmk", "102"), ("103", "barsel", "103"), ("", "nemrefusion", "")}
    erik = User.objects.get(organisation=organisation, rid="105")
    assert RoleGrant.objects.filter(user=erik, role=RoleGrant.Role.USER_ADMIN).exists()
    assert User.objects.filter(organisation=organisation, duplicate_flag=True).count() == 2


def test_a_failed_import_leaves_no_report_rows(organisation, employee, monkeypatch):
    employee()
    employee()
    monkeypatch.setattr(service, "CHUNK", 1)
    calls = []

    def fail_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")

    real = service.progress_write
    monkeypatch.setattr(service, "saving_progress_is_visible", lambda: True)
    monkeypatch.setattr(service, "progress_write", lambda **kw: (fail_on_second(**kw), real(**kw)))
    with pytest.raises(RuntimeError):
        users_import_from_nemid(organisation=organisation, started_by_name="Hanne")
    assert not ImportReportRow.objects.exists()
    assert not User.objects.filter(nemid_employee_id__isnull=False).exists()
    assert ImportRun.objects.get().state == ImportRun.State.FAILED


def _done_run(organisation, size: int) -> ImportRun:
    """A finished run of ``size`` signatures, every third skipped (built in bulk, no import)."""
    rows = [
        ("", f"Person {i}", report.SKIPPED, report.REASON_REVOKED, True)
        if i % 3 == 0
        else (f"{i}", f"Person {i}", report.IMPORTED, "", False)
        for i in range(size)
    ]
    skipped = sum(1 for row in rows if row[4])
    run = ImportRun.objects.create(
        organisation=organisation,
        started_by_name="Hanne",
        state=ImportRun.State.DONE,
        total=size,
        processed=size,
        imported=size - skipped,
        skipped=skipped,
    )
    ImportReportRow.objects.bulk_create(
        ImportReportRow(
            run=run, rid=rid, name=name, outcome=outcome, reason=reason, needs_attention=attention
        )
        for rid, name, outcome, reason, attention in rows
    )
    return run


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


def test_the_report_page_and_csv_cost_the_same_queries_for_3_and_60(
    admin_client, organisation, monkeypatch
):
    monkeypatch.setattr(views, "REPORT_PAGE_SIZE", 5)
    small, large = _done_run(organisation, 3), _done_run(organisation, 60)
    for name in ("users:import_run", "users:import_report_csv"):
        small_url = reverse(name, args=[small.pk])
        large_url = reverse(name, args=[large.pk])
        _queries(admin_client, small_url)  # warm: the session, the language
        assert _queries(admin_client, small_url) == _queries(admin_client, large_url), name
    last = reverse("users:import_run", args=[large.pk]) + "?side=4"
    assert _queries(admin_client, last) == _queries(
        admin_client, reverse("users:import_run", args=[small.pk])
    )


def test_the_report_page_shows_a_page_of_the_rows_that_need_attention(
    admin_client, organisation, monkeypatch
):
    monkeypatch.setattr(views, "REPORT_PAGE_SIZE", 5)
    run = _done_run(organisation, 60)  # 20 skipped: Person 0, 3, … 57
    url = reverse("users:import_run", args=[run.pk])
    first = admin_client.get(url).content.decode()
    assert "Person 0<" in first and "Person 12<" in first and "Person 15<" not in first
    assert "Person 1<" not in first  # imported: only in the CSV
    assert "Side 1 af 4" in first
    last = admin_client.get(url + "?side=4").content.decode()
    assert "Person 45<" in last and "Person 57<" in last and "Person 42<" not in last


def test_the_csv_streams_every_row_in_order(admin_client, organisation):
    run = _done_run(organisation, 7)
    response = admin_client.get(reverse("users:import_report_csv", args=[run.pk]))
    assert response.streaming
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert lines[0] == "\ufeffRID-nummer;Navn;Resultat;Årsag"
    assert [line.split(";")[1] for line in lines[1:]] == [f"Person {i}" for i in range(7)]
    assert lines[1].startswith(";Person 0;Sprunget over;Signaturen er spærret")
    assert lines[2] == "1;Person 1;Importeret;"


def test_a_run_is_deleted_with_its_report_rows(organisation):
    run = _done_run(organisation, 4)
    run.delete()
    assert not ImportReportRow.objects.exists()
