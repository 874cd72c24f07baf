"""The import report keeps the guide's promises: an employee without a RID number is flagged for
checking (as the NemID check flagged him, G1.6), and a signature deleted as a person's second one
(G1.2) is not reported as if the person had left."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from simulators import demo
from simulators.nemid.models import NemIDEmployee
from users import report
from users.models import ImportReportRow, ImportRun, User
from users.services import users_import_from_nemid

pytestmark = pytest.mark.django_db


def _report(run):
    """The run's report rows as lists ``[rid, name, outcome, reason]``, in their order."""
    return [
        list(row)
        for row in ImportReportRow.objects.filter(run=run)
        .order_by("pk")
        .values_list("rid", "name", "outcome", "reason")
    ]


def _import(organisation):
    return users_import_from_nemid(organisation=organisation, started_by_name="Hanne")


def _row(run, name):
    return next(row for row in _report(run) if row[1] == name)


def test_an_employee_without_rid_is_imported_flagged_with_the_reason(organisation, employee):
    rasmus = employee(rid="", first_name="Rasmus", last_name="Poulsen", rights=["nemrefusion"])
    employee(rid="38416203", first_name="Lise", last_name="Kristensen")
    run = _import(organisation)

    assert (run.imported, run.skipped, run.flagged) == (2, 0, 1)
    assert _row(run, "Rasmus Poulsen") == [
        "",
        "Rasmus Poulsen",
        report.FLAGGED,
        report.REASON_NO_RID,
    ]
    assert _row(run, "Lise Kristensen")[2] == report.IMPORTED
    user = User.objects.get(nemid_employee_id=rasmus.pk)
    assert user.state == User.State.IMPORTED and user.rid == ""


def test_the_report_page_lists_him_among_those_needing_attention(
    admin_client, organisation, employee
):
    employee(rid="", first_name="Rasmus", last_name="Poulsen")
    run = _import(organisation)
    page = admin_client.get(reverse("users:import_run", args=[run.pk])).content.decode()
    assert "1 importeret, 0 sprunget over, 1 markeret til kontrol." in page
    assert "Medarbejdere, der kræver opmærksomhed" in page
    assert "Rasmus Poulsen" in page
    assert "Mangler RID-nummer i NemID" in page
    assert "Importeret – markeret til kontrol" in page


def test_the_imported_list_marks_the_user_without_rid(admin_client, organisation, employee):
    employee(rid="", first_name="Rasmus", last_name="Poulsen")
    employee(rid="38416203", first_name="Lise", last_name="Kristensen")
    _import(organisation)
    page = admin_client.get(reverse("users:imported")).content.decode()
    assert page.count('data-testid="no-rid"') == 1
    assert "Mangler RID-nummer – kontrollér" in page


def test_a_deleted_second_signature_is_not_reported_as_having_left(organisation, employee):
    anne = employee(rid="38416211", first_name="Anne", last_name="Mortensen")
    employee(
        rid="38416191",
        first_name="Anne",
        last_name="Mortensen",
        cpr=anne.cpr,
        cpr_hash=anne.cpr_hash,
        status=NemIDEmployee.Status.REVOKED,
    )
    employee(
        rid="38416190",
        first_name="Tove",
        last_name="Jakobsen",
        status=NemIDEmployee.Status.REVOKED,
    )
    run = _import(organisation)

    rows = {row[0]: row for row in _report(run)}
    assert rows["38416191"][2:] == [report.SKIPPED, report.REASON_REVOKED_OTHER]
    assert rows["38416190"][2:] == [report.SKIPPED, report.REASON_REVOKED]
    assert rows["38416211"][2:] == [report.IMPORTED, ""]
    assert "fratrådt" not in report.ReportRow(*rows["38416191"]).reason_label
    assert "anden aktiv signatur" in report.ReportRow(*rows["38416191"]).reason_label


def test_the_deleted_signature_of_someone_imported_before_keeps_the_right_reason(
    organisation, employee
):
    anne = employee(rid="38416211", first_name="Anne", last_name="Mortensen")
    old = employee(rid="38416191", cpr=anne.cpr, cpr_hash=anne.cpr_hash)
    NemIDEmployee.objects.filter(pk=old.pk).update(status=NemIDEmployee.Status.REVOKED)
    _import(organisation)  # Anne's new signature comes across
    run = _import(organisation)  # again: she is "already imported", the old one still deleted
    assert run.state == ImportRun.State.DONE
    rows = {row[0]: row for row in _report(run)}
    assert rows["38416211"][2:] == [report.SKIPPED, report.REASON_ALREADY]
    assert rows["38416191"][2:] == [report.SKIPPED, report.REASON_REVOKED_OTHER]


def test_the_demo_world_flags_rasmus_and_explains_annes_deleted_signature(organisation):
    """The demo practice after the guide's step 1 (the owner deleted Anne's old signature):
    Rasmus Poulsen, who has no RID, is flagged; Anne's deleted one is not "fratrådt"."""
    call_command("seed_demo", verbosity=0)
    organisation.cvr = demo.PRACTICE_CVR
    organisation.save(update_fields=["cvr"])
    NemIDEmployee.objects.filter(cvr=demo.PRACTICE_CVR, rid="38416191").update(
        status=NemIDEmployee.Status.REVOKED
    )
    run = _import(organisation)
    rows = {row[1]: row for row in _report(run) if row[1] in ("Rasmus Poulsen", "Tove Jakobsen")}
    assert rows["Rasmus Poulsen"][2:] == [report.FLAGGED, report.REASON_NO_RID]
    assert rows["Tove Jakobsen"][2:] == [report.SKIPPED, report.REASON_REVOKED]
    anne_old = next(row for row in _report(run) if row[0] == "38416191")
    assert anne_old[2:] == [report.SKIPPED, report.REASON_REVOKED_OTHER]


def test_brugerinformation_warns_before_activating_a_user_without_rid(
    admin_client, organisation, employee
):
    rasmus = employee(rid="", first_name="Rasmus", last_name="Poulsen")
    lise = employee(rid="38416203")
    _import(organisation)
    without = User.objects.get(nemid_employee_id=rasmus.pk)
    with_rid = User.objects.get(nemid_employee_id=lise.pk)
    page = admin_client.get(reverse("users:detail", args=[without.pk])).content.decode()
    assert 'data-testid="no-rid"' in page
    assert "Kontrollér brugerens rettigheder, før du aktiverer." in page
    page = admin_client.get(reverse("users:detail", args=[with_rid.pk])).content.decode()
    assert 'data-testid="no-rid"' not in page
