"""The NemID import service (G3.5–G3.7): users with rights and RIDs, revoked skipped, duplicates
flagged, chosen roles granted, idempotent, all-or-nothing, one run at a time."""

import datetime

import pytest
from django.utils import timezone

from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent
from organisations.models import PublicService, RoleGrant, UserRight
from simulators.nemid.models import NemIDEmployee
from tests.factories import UserFactory
from users import report, selectors
from users.models import ImportReportRow, ImportRun, User
from users.services import import_nemid as service
from users.services import users_import_from_nemid, users_import_queue
from users.tasks import import_nemid_task

pytestmark = pytest.mark.django_db


def _report(run):
    """The run's report rows as lists ``[rid, name, outcome, reason]``, in their order."""
    return [
        list(row)
        for row in ImportReportRow.objects.filter(run=run)
        .order_by("pk")
        .values_list("rid", "name", "outcome", "reason")
    ]


def _import(organisation, **kwargs):
    return users_import_from_nemid(organisation=organisation, started_by_name="Hanne", **kwargs)


def test_it_imports_active_employees_with_rights_and_rid(organisation, employee):
    lise = employee(
        rid="38416203", first_name="Lise", last_name="Kristensen", rights=["fmk", "barsel"]
    )
    run = _import(organisation)

    assert run.state == ImportRun.State.DONE
    assert (run.total, run.imported, run.skipped, run.flagged) == (1, 1, 0, 0)
    user = User.objects.get(organisation=organisation, nemid_employee_id=lise.pk)
    assert user.state == User.State.IMPORTED
    assert user.get_state_display() == "Ikke aktiveret"
    assert (user.first_name, user.last_name, user.email, user.rid) == (
        "Lise",
        "Kristensen",
        lise.email,
        "38416203",
    )
    assert user.cpr == lise.cpr and user.cpr_hash == lise.cpr_hash
    assert not user.has_usable_password()
    rights = UserRight.objects.filter(user=user).select_related("service")
    assert {(r.service.code, r.from_rid) for r in rights} == {
        ("fmk", "38416203"),
        ("barsel", "38416203"),
    }
    assert PublicService.objects.filter(code__in=["fmk", "barsel"]).count() == 2
    assert _report(run) == [["38416203", "Lise Kristensen", report.IMPORTED, ""]]


def test_the_cpr_is_copied_encrypted_and_never_decrypted(organisation, employee, monkeypatch):
    lise = employee(rid="38416204", first_name="Lise", last_name="Kristensen")
    cpr = lise.cpr

    def refuse(*args, **kwargs):
        raise AssertionError("the import handled a CPR number in plain text")

    with monkeypatch.context() as patched:
        patched.setattr("mitid_portal.crypto.decrypt", refuse)
        patched.setattr("mitid_portal.crypto.encrypt", refuse)
        run = _import(organisation)
    assert run.state == ImportRun.State.DONE, run.error
    user = User.objects.get(organisation=organisation, nemid_employee_id=lise.pk)
    assert user.cpr == cpr  # readable with the portal's keys


def test_a_birth_date_only_employee_keeps_the_birth_date(organisation, employee):
    birthe = employee(cpr="", cpr_hash="", birth_date=datetime.date(1962, 2, 26))
    _import(organisation)
    user = User.objects.get(nemid_employee_id=birthe.pk)
    assert user.cpr == "" and user.birth_date == datetime.date(1962, 2, 26)


def test_it_skips_revoked_employees_with_the_reason(organisation, employee):
    employee(status=NemIDEmployee.Status.REVOKED, rid="111", first_name="Bent", last_name="Holm")
    employee(rid="222")
    run = _import(organisation)
    assert (run.imported, run.skipped) == (1, 1)
    assert ["111", "Bent Holm", report.SKIPPED, report.REASON_REVOKED] in _report(run)
    assert not User.objects.filter(rid="111").exists()


def test_a_person_with_several_signatures_is_imported_per_signature_and_flagged(
    organisation, employee
):
    first = employee(rid="501")
    second = employee(rid="502", cpr=first.cpr, cpr_hash=first.cpr_hash)
    employee(rid="503")
    run = _import(organisation)

    assert (run.imported, run.flagged) == (3, 2)
    flagged = User.objects.filter(organisation=organisation, duplicate_flag=True)
    assert set(flagged.values_list("nemid_employee_id", flat=True)) == {first.pk, second.pk}
    assert sum(1 for row in _report(run) if row[2] == report.FLAGGED) == 2


def test_it_grants_the_chosen_roles_to_nemid_administrators_only(organisation, employee):
    chosen = employee(is_nemid_admin=True)
    other_admin = employee(is_nemid_admin=True)
    run = _import(organisation, admin_roles={chosen.pk: RoleGrant.Role.USER_ADMIN})
    assert run.state == ImportRun.State.DONE
    grants = RoleGrant.objects.filter(organisation=organisation)
    assert [(g.user.nemid_employee_id, g.role) for g in grants] == [
        (chosen.pk, RoleGrant.Role.USER_ADMIN)
    ]
    assert not RoleGrant.objects.filter(user__nemid_employee_id=other_admin.pk).exists()


def test_a_role_for_someone_who_is_not_a_nemid_administrator_is_refused(organisation, employee):
    plain = employee(is_nemid_admin=False)
    with pytest.raises(RuleError):
        _import(organisation, admin_roles={plain.pk: RoleGrant.Role.ORGANISATION_ADMIN})
    admin = employee(is_nemid_admin=True)
    with pytest.raises(RuleError):
        _import(organisation, admin_roles={admin.pk: "superuser"})
    assert not User.objects.filter(nemid_employee_id__isnull=False).exists()


def test_a_second_run_creates_nothing(organisation, employee):
    employee(rights=["fmk"])
    employee(rights=["fmk", "sor"])
    _import(organisation)
    users, rights = User.objects.count(), UserRight.objects.count()

    again = _import(organisation)
    assert (again.imported, again.skipped) == (0, 2)
    assert {row[3] for row in _report(again)} == {report.REASON_ALREADY}
    assert str(report.REASONS[report.REASON_ALREADY]) == "Allerede importeret"
    assert (User.objects.count(), UserRight.objects.count()) == (users, rights)


def test_a_failure_half_way_leaves_no_users(organisation, employee, monkeypatch):
    for _ in range(5):
        employee(rights=["fmk"])
    monkeypatch.setattr(service, "CHUNK", 2)
    real_insert = service._users_insert_chunk
    calls = []

    def fail_on_second_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_insert(**kwargs)

    monkeypatch.setattr(service, "_users_insert_chunk", fail_on_second_chunk)
    with pytest.raises(RuntimeError):
        _import(organisation)

    assert len(calls) == 2  # the first chunk was written before the failure
    assert not User.objects.filter(nemid_employee_id__isnull=False).exists()
    assert not UserRight.objects.exists()
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.FAILED
    assert "intet er gemt" in run.error
    assert not AuditEvent.objects.filter(action="nemid_import").exists()


def test_a_second_concurrent_run_is_refused(organisation, employee):
    employee()
    ImportRun.objects.create(organisation=organisation, started_by_name="x")  # queued
    with pytest.raises(RuleError) as refused:
        _import(organisation)
    assert str(refused.value) == "Der kører allerede en import for organisationen."
    with pytest.raises(RuleError):
        users_import_queue(
            organisation=organisation,
            started_by_name="y",
            admin_roles={},
            enqueue=import_nemid_task.enqueue,
        )
    assert ImportRun.objects.count() == 1


@pytest.mark.parametrize("state", [ImportRun.State.QUEUED, ImportRun.State.RUNNING])
def test_a_run_whose_worker_died_stops_blocking_after_30_minutes(organisation, employee, state):
    employee(rid="555")
    stale = ImportRun.objects.create(organisation=organisation, started_by_name="x", state=state)
    ImportRun.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - service.STALE_AFTER - datetime.timedelta(seconds=1)
    )
    run = _import(organisation)
    assert run.state == ImportRun.State.DONE and run.imported == 1
    stale.refresh_from_db()
    assert stale.state == ImportRun.State.FAILED
    assert "Intet er gemt" in stale.error and stale.finished_at


def test_a_recent_run_still_blocks(organisation, employee):
    employee()
    recent = ImportRun.objects.create(
        organisation=organisation, started_by_name="x", state=ImportRun.State.RUNNING
    )
    ImportRun.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - service.STALE_AFTER + datetime.timedelta(minutes=1)
    )
    with pytest.raises(RuleError):
        users_import_queue(
            organisation=organisation,
            started_by_name="y",
            admin_roles={},
            enqueue=import_nemid_task.enqueue,
        )
    recent.refresh_from_db()
    assert recent.state == ImportRun.State.RUNNING


def test_the_queued_run_is_carried_out_by_the_task(
    organisation, employee, django_capture_on_commit_callbacks
):
    employee(rights=["fmk"])
    with django_capture_on_commit_callbacks(execute=True):
        run = users_import_queue(
            organisation=organisation,
            started_by_name="Hanne",
            admin_roles={},
            enqueue=import_nemid_task.enqueue,
        )
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE and run.imported == 1


def test_a_run_that_cannot_be_enqueued_fails_and_blocks_nothing(
    organisation, employee, django_capture_on_commit_callbacks
):
    employee()

    def broken_queue(run_id):
        raise ConnectionError("the task queue is down")

    with django_capture_on_commit_callbacks(execute=True):
        run = users_import_queue(
            organisation=organisation, started_by_name="Hanne", admin_roles={}, enqueue=broken_queue
        )
    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED and run.error == "Importen kunne ikke startes."
    assert _import(organisation).state == ImportRun.State.DONE


def test_the_appointed_administrator_is_linked_not_copied(organisation, employee):
    admin = UserFactory(organisation=organisation)
    own = employee(cpr=admin.cpr, cpr_hash=admin.cpr_hash, rid="777", rights=["fmk"])
    run = _import(organisation)
    assert User.objects.filter(organisation=organisation).count() == 1
    admin.refresh_from_db()
    assert (admin.nemid_employee_id, admin.rid, admin.state) == (own.pk, "777", User.State.ACTIVE)
    assert admin.rights.get().from_rid == "777"
    assert _report(run)[0][3] == report.REASON_LINKED
    assert _import(organisation).imported == 0


def test_other_organisations_and_cvrs_are_untouched(organisation, employee):
    employee()
    from tests.factories import NemIDEmployeeFactory, OrganisationFactory

    NemIDEmployeeFactory()  # another CVR
    other = OrganisationFactory()
    _import(organisation)
    assert User.objects.filter(nemid_employee_id__isnull=False).count() == 1
    assert not User.objects.filter(organisation=other).exists()


def test_an_audit_event_with_the_counts(organisation, employee):
    employee()
    employee(status=NemIDEmployee.Status.REVOKED)
    _import(organisation)
    event = AuditEvent.objects.get(action="nemid_import", organisation=organisation)
    assert event.changes["imported"] == 1 and event.changes["skipped"] == 1


def test_progress_is_read_from_the_run_while_it_is_queued(organisation):
    run = ImportRun.objects.create(organisation=organisation, started_by_name="x", total=10)
    progress = selectors.import_run_progress(run=run)
    assert (progress.processed, progress.total) == (0, 10)


def test_progress_is_written_after_every_chunk(organisation, employee, monkeypatch):
    for _ in range(3):
        employee()
    monkeypatch.setattr(service, "CHUNK", 1)
    monkeypatch.setattr(service, "saving_progress_is_visible", lambda: True)  # as with Redis
    seen = []
    real = service.progress_write
    monkeypatch.setattr(
        service, "progress_write", lambda **kw: (seen.append(kw["progress"]), real(**kw))
    )
    _import(organisation)
    assert [p.processed for p in seen if p.phase == "saving"] == [0, 1, 2, 3]
