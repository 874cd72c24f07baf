"""The report as CSV for Danish Excel (safe against formula injection) and the command."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from mitid_portal.csv import csv_render, csv_safe_cell
from organisations.models import RoleGrant
from simulators.nemid.models import NemIDEmployee
from tests.factories import RoleGrantFactory
from users.models import ImportRun, User
from users.report import report_csv_header, report_csv_rows
from users.services import users_import_from_nemid

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["=SUM(A1)", "+45", "-1", "@cmd", "\tx", "\rx"])
def test_cells_that_look_like_formulas_get_a_quote(value):
    assert csv_safe_cell(value) == "'" + value


def test_plain_cells_stay_as_they_are():
    assert csv_safe_cell("Søren Ø") == "Søren Ø"
    assert csv_safe_cell(None) == ""


def test_the_report_csv_has_bom_semicolons_and_escaped_formulas():
    text = csv_render(
        header=report_csv_header(),
        rows=report_csv_rows([("=HYPERLINK(1)", "Bo; Berg", "skipped", "revoked")]),
    )
    assert text.startswith("\ufeffRID-nummer;Navn;Resultat;Årsag\r\n")
    assert '\'=HYPERLINK(1);"Bo; Berg";Sprunget over;Signaturen er spærret' in text


def test_the_report_downloads_as_csv(admin_client, organisation, employee):
    employee(first_name="=cmd|' /C calc'!A0", last_name="X", rid="9")
    run = users_import_from_nemid(organisation=organisation, started_by_name="Hanne")
    response = admin_client.get(reverse("users:import_report_csv", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert "9;'=cmd|' /C calc'!A0 X;Importeret;" in body


def test_another_organisations_report_is_404(admin_client):
    theirs = RoleGrantFactory().organisation
    run = ImportRun.objects.create(organisation=theirs, started_by_name="x", state="done")
    assert admin_client.get(reverse("users:import_report_csv", args=[run.pk])).status_code == 404
    assert admin_client.get(reverse("users:import_run", args=[run.pk])).status_code == 404


def test_the_command_imports_and_prints_the_summary(organisation, employee, capsys):
    employee()
    employee(status=NemIDEmployee.Status.REVOKED, first_name="Bent", last_name="Holm", rid="66")
    admin = employee(is_nemid_admin=True, rid="77")
    call_command("import_nemid", "--cvr", organisation.cvr, "--admin", "77=user_admin")
    out = capsys.readouterr().out
    assert "Importeret:            2" in out
    assert "Sprunget over:         1" in out
    assert "Bent Holm: Sprunget over – Signaturen er spærret" in out
    assert RoleGrant.objects.get(user__nemid_employee_id=admin.pk).role == "user_admin"
    assert User.objects.filter(state=User.State.IMPORTED).count() == 2


def test_the_command_refuses_an_unknown_or_malformed_cvr():
    with pytest.raises(CommandError, match="ikke tilsluttet"):
        call_command("import_nemid", "--cvr", "29183740")
    with pytest.raises(CommandError, match="CVR"):
        call_command("import_nemid", "--cvr", "12345678")
    with pytest.raises(CommandError, match="8 cifre"):
        call_command("import_nemid", "--cvr", "abc")
