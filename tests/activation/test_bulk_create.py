"""*Masseopret*: the template, reading the file (BOM or not, semicolon or comma, whitespace,
UTF-8 only, the columns, the limits), the preview with a Danish reason on every bad row and the
duplicates named, nothing saved until a clean file is confirmed, then all users created and
invited in a few statements, once."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activation import services
from activation.create_views import PENDING_KEY
from activation.models import Invitation
from activation.services import create
from mitid_portal import crypto
from mitid_portal.models import AuditEvent, OutboundEmail
from organisations.models import PublicService, RoleGrant, UserRight
from tests.factories import RoleGrantFactory, UserFactory, fictitious_cpr
from users.models import User

pytestmark = pytest.mark.django_db

HEADER = "fornavn;efternavn;cpr;fødselsdato;email;mobil"
UPLOAD = "/brugere/masseopret/"
CONFIRM = "/brugere/masseopret/opret/"
DONE = "/brugere/masseopret/kvittering/"


def cpr(n: int) -> str:
    return fictitious_cpr(n, datetime.date(1970, 1, 1) + datetime.timedelta(days=n * 11))


def dashed(value: str) -> str:
    return f"{value[:6]}-{value[6:]}"


def lines(n: int, *, start: int = 0) -> list[str]:
    return [
        f"Fornavn{i};Efternavn{i};{dashed(cpr(i))};;person{i}@example.dk;"
        for i in range(start, start + n)
    ]


def csv_bytes(rows: list[str], *, header: str = HEADER, bom: bool = True, sep: str = ";") -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    if sep != ";":
        text = text.replace(";", sep)
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def upload(client, content: bytes, name: str = "brugere.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content, "text/csv")})


# organisation and user_admin (Bo Brugeradmin) come from tests/activation/conftest.py; Opret
# bruger is a user administrator's page.
@pytest.fixture
def admin_client(client, user_admin):
    client.force_login(user_admin)
    return client


def _counts():
    return (
        User.objects.count(),
        Invitation.objects.count(),
        AuditEvent.objects.filter(action="users_bulk_created").count(),
    )


def _batch(page: str) -> str:
    return re.search(r'name="batch" value="([^"]+)"', page).group(1)


def _confirm(client, capture, page: str):
    with capture(execute=True):
        return client.post(CONFIRM, {"batch": _batch(page)})


# --- The template ---------------------------------------------------------------------------------


def test_the_template_downloads_as_utf8_with_bom_and_semicolons(admin_client):
    assert reverse("activation:bulk_create_template") == "/brugere/masseopret/skabelon.csv"
    response = admin_client.get(reverse("activation:bulk_create_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    header, example, *rest = text.split("\r\n")
    assert header == "fornavn;efternavn;cpr;fødselsdato;email;mobil"
    assert example.count(";") == 5 and rest == [""]


def test_the_template_round_trips_to_a_clean_preview(admin_client):
    template = admin_client.get(reverse("activation:bulk_create_template")).content
    page = upload(admin_client, template, "masseopret-skabelon.csv").content.decode()
    assert "Filen er uden fejl." in page
    assert "Mette" in page and "010190-****" in page and "010190-1234" not in page
    assert ">Opret brugere</button>" in page


# --- Reading the file -----------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("sep", [";", ","])
def test_bom_or_not_and_semicolon_or_comma_are_read(admin_client, bom, sep):
    page = upload(admin_client, csv_bytes(lines(2), bom=bom, sep=sep)).content.decode()
    assert "Filen er uden fejl." in page, page
    assert "Fornavn0" in page and "person1@example.dk" in page
    assert f"{cpr(0)[:6]}-****" in page and cpr(0) not in page


def test_whitespace_is_trimmed(admin_client, django_capture_on_commit_callbacks):
    row = f"  Anne   Marie ; Lund ;  {cpr(5)}  ; ;  Anne.Lund@Example.DK ; 22 33 44 55 "
    page = upload(
        admin_client, csv_bytes([row], header=" fornavn ; Efternavn;CPR;fødselsdato; email ;mobil")
    ).content.decode()
    assert "Filen er uden fejl." in page, page
    _confirm(admin_client, django_capture_on_commit_callbacks, page)
    user = User.objects.get(last_name="Lund")
    assert user.first_name == "Anne Marie" and user.email == "anne.lund@example.dk"
    assert user.phone == "+4522334455" and user.cpr == cpr(5)


def test_a_latin1_file_is_refused_as_not_utf8(admin_client):
    content = "\r\n".join([HEADER, "Søren;Ærø;;01-01-1990;s@example.dk;"]).encode("latin-1")
    before = _counts()
    page = upload(admin_client, content).content.decode()
    assert "Filen skal være gemt som UTF-8" in page
    assert _counts() == before and PENDING_KEY not in admin_client.session


def test_utf16_and_excel_workbooks_are_refused(admin_client):
    page = upload(admin_client, HEADER.encode("utf-16")).content.decode()
    assert "Filen skal være gemt som UTF-8" in page
    page = upload(admin_client, b"PK\x03\x04rest-of-a-zip", "brugere.xlsx").content.decode()
    assert "Vælg en CSV-fil" in page
    page = upload(admin_client, b"PK\x03\x04rest-of-a-zip", "brugere.csv").content.decode()
    assert "Filen er et Excel-regneark, ikke en CSV-fil." in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Filen er tom."),
        (b"\r\n \r\n", "Filen er tom."),
        (HEADER.encode(), "Filen indeholder ingen brugere under overskriften."),
        (
            b"navn;adresse\r\nIda;Vej 1\r\n",
            "Filen mangler kolonnen: fornavn, efternavn, email, cpr / fødselsdato.",
        ),
        (
            b"fornavn;efternavn;email\r\nIda;Holm;ida@example.dk\r\n",
            "Filen mangler kolonnen: cpr / fødselsdato.",
        ),
        (b"fornavn;fornavn;efternavn;cpr;email\r\n", "står flere gange i overskriften"),
    ],
)
def test_a_file_that_cannot_be_read_gets_one_clear_reason(admin_client, content, message):
    before = _counts()
    response = upload(admin_client, content)
    page = response.content.decode()
    assert response.status_code == 200 and "<h1>Masseopret brugere</h1>" in page
    assert message in page, page
    assert _counts() == before


def test_a_missing_file_is_asked_for(admin_client):
    page = admin_client.post(UPLOAD, {}).content.decode()
    assert "Vælg en fil." in page


def test_too_large_a_file_is_refused(admin_client):
    content = csv_bytes(lines(1)) + b"x" * create.MAX_FILE_BYTES
    page = upload(admin_client, content).content.decode()
    assert "Filen er for stor. Den må højst fylde 2 MB." in page


def test_too_many_rows_are_refused(admin_client, monkeypatch):
    monkeypatch.setattr(create, "MAX_ROWS", 3)
    page = upload(admin_client, csv_bytes(lines(4))).content.decode()
    assert "Filen har 4 rækker. Der kan højst oprettes 5.000 brugere pr. fil" in page


def test_5000_rows_are_accepted(admin_client):
    page = upload(admin_client, csv_bytes(lines(5000))).content.decode()
    assert "Filen er uden fejl." in page
    assert "Filen brugere.csv indeholder 5000 brugere." in page


def test_5001_rows_are_not(admin_client):
    page = upload(admin_client, csv_bytes(lines(5001))).content.decode()
    assert "Filen har 5001 rækker." in page


# --- The preview ----------------------------------------------------------------------------------


def test_every_bad_row_gets_its_reason_and_nothing_is_saved(admin_client, organisation):
    existing = cpr(90)
    UserFactory(organisation=organisation, cpr=existing, cpr_hash=crypto.cpr_hash(existing))
    UserFactory(cpr=cpr(91), cpr_hash=crypto.cpr_hash(cpr(91)))  # another organisation's
    rows = [
        f"Ok;Række;{cpr(1)};;ok@example.dk;",  # row 2
        "Kort;Cpr;12345;;kort@example.dk;",  # 3
        "Dato;Forkert;;31-13-1990;dato@example.dk;",  # 4
        f"Uenig;Dato;{cpr(2)};01-01-1901;uenig@example.dk;",  # 5
        f"Mail;Forkert;{cpr(3)};;ikke-mail;",  # 6
        f"Mobil;Forkert;{cpr(4)};;mobil@example.dk;1234",  # 7
        f";;{cpr(5)};;navn@example.dk;",  # 8
        f"Dub;Cpr;{cpr(6)};;dub1@example.dk;",  # 9
        f"Dub;Cpr;{cpr(6)};;dub2@example.dk;",  # 10
        f"Dub;Mail;{cpr(7)};;same@example.dk;",  # 11
        f"Dub;Mail;{cpr(8)};;SAME@example.dk;",  # 12
        f"Findes;Allerede;{existing};;findes@example.dk;",  # 13
        "Ingen;Identitet;;;ingen@example.dk;",  # 14
        f"Anden;Organisation;{cpr(91)};;anden@example.dk;",  # 15
        "",  # a blank line is skipped
        f"For;Mange;{cpr(9)};;mange@example.dk;;ekstra",  # 17
        f"Excel;Nul;{cpr(10)[1:]};;nul@example.dk;",  # 18
    ]
    before = _counts()
    page = upload(admin_client, csv_bytes(rows)).content.decode()
    assert _counts() == before and PENDING_KEY not in admin_client.session
    assert ">Opret brugere</button>" not in page
    assert "14 rækker har fejl. Der er ikke oprettet nogen brugere." in page

    def row(number: int) -> str:
        match = re.search(rf"<tr[^>]*>\s*<td>{number}</td>(.*?)</tr>", page, re.S)
        assert match, f"row {number} missing"
        return match.group(1)

    assert ">OK<" in row(2)
    assert "Et CPR-nummer består af 10 cifre" in row(3)
    assert "Fødselsdatoen skal skrives dd-mm-åååå" in row(4)
    assert "Fødselsdatoen passer ikke med CPR-nummeret." in row(5)
    assert "E-mailadressen er ikke gyldig." in row(6)
    assert "Indtast et dansk mobilnummer på 8 cifre" in row(7)
    assert "Fornavn mangler." in row(8) and "Efternavn mangler." in row(8)
    assert "Samme CPR-nummer står også i række 10." in row(9)
    assert "Samme CPR-nummer står også i række 9." in row(10)
    assert "Samme e-mail står også i række 12." in row(11)
    assert "Samme e-mail står også i række 11." in row(12)
    assert "Der findes allerede en bruger med dette CPR-nummer i organisationen." in row(13)
    assert "Udfyld CPR-nummer eller fødselsdato." in row(14)
    assert ">OK<" in row(15)
    assert "Rækken har 7 felter, men overskriften har 6." in row(17)
    assert "Excel kan have fjernet et 0 foran" in row(18)
    # CPR numbers only masked, valid or not.
    for n in (1, 2, 6, 90, 91):
        assert cpr(n) not in page and dashed(cpr(n)) not in page
    assert f"{cpr(90)[:6]}-****" in page


def test_a_bad_file_offers_no_button_and_the_confirm_creates_nothing(admin_client):
    page = upload(admin_client, csv_bytes([*lines(2), "Uden;Mail;;01-01-1990;;"])).content.decode()
    assert ">Opret brugere</button>" not in page
    before = _counts()
    response = admin_client.post(CONFIRM, {"batch": "x"})
    assert response.url == UPLOAD and _counts() == before


def test_the_session_holds_no_cpr_in_clear(admin_client):
    page = upload(admin_client, csv_bytes(lines(3))).content.decode()
    pending = admin_client.session[PENDING_KEY]
    assert pending["batch"] == _batch(page)
    stored = str(pending)
    for n in range(3):
        assert cpr(n) not in stored and dashed(cpr(n)) not in stored
    assert crypto.decrypt(pending["rows"][0][2]) == cpr(0)


# --- Creating -------------------------------------------------------------------------------------


def test_a_clean_file_creates_and_invites_every_user(
    admin_client, organisation, user_admin, django_capture_on_commit_callbacks
):
    rows = [*lines(2), "Kun;Fødselsdato;;17-05-1984;kun@example.dk;+45 22334455"]
    page = upload(admin_client, csv_bytes(rows)).content.decode()
    assert "Brugerne oprettes og får en e-mail med et aktiveringslink." in page
    assert "MitID kodeviser" in page  # the organisation's preferred means
    assert User.objects.filter(organisation=organisation).count() == 1  # the administrator

    response = _confirm(admin_client, django_capture_on_commit_callbacks, page)
    assert response.url == DONE
    created = User.objects.filter(organisation=organisation).exclude(pk=user_admin.pk)
    assert created.count() == 3
    for user in created:
        assert user.state == User.State.AWAITING and user.means == ["kodeviser"]
        assert not user.has_usable_password()
    only_date = created.get(last_name="Fødselsdato")
    assert only_date.cpr == "" and only_date.birth_date == datetime.date(1984, 5, 17)
    assert only_date.phone == "+4522334455"
    first = created.get(first_name="Fornavn0")
    assert first.cpr == cpr(0) and first.cpr_hash == crypto.cpr_hash(cpr(0))
    assert first.birth_date == datetime.date(1970, 1, 1)
    assert Invitation.objects.get(user=only_date).code_hash
    assert Invitation.objects.get(user=first).code_hash == ""
    basic = set(PublicService.objects.filter(in_basic_package=True).values_list("pk", flat=True))
    assert set(first.rights.values_list("service_id", flat=True)) == basic
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in created)
    event = AuditEvent.objects.get(action="users_bulk_created")
    assert event.changes["count"] == 3 and event.actor_user == user_admin
    assert event.organisation == organisation

    receipt = admin_client.get(DONE).content.decode()
    assert "3 brugere er oprettet." in receipt
    assert "1 bruger er oprettet med fødselsdato" in receipt
    assert f'href="{reverse("activation:pending")}"' in receipt
    assert PENDING_KEY not in admin_client.session


def test_a_double_confirm_creates_nothing_twice(admin_client, django_capture_on_commit_callbacks):
    page = upload(admin_client, csv_bytes(lines(3))).content.decode()
    first = _confirm(admin_client, django_capture_on_commit_callbacks, page)
    after = _counts()
    second = _confirm(admin_client, django_capture_on_commit_callbacks, page)
    assert first.url == second.url == DONE
    assert _counts() == after and len(mail.outbox) == 3


def test_the_service_refuses_a_batch_already_created(organisation, user_admin):
    users = [
        services.NewUser(first_name="A", last_name="B", email=f"a{i}@example.dk", cpr=cpr(i))
        for i in range(2)
    ]
    services.users_bulk_create(organisation=organisation, users=users, batch="b1", actor=user_admin)
    before = _counts()
    # Two tabs that both read the session before either finished: the second is refused.
    birth_only = [
        services.NewUser(
            first_name="C",
            last_name="D",
            email="c@example.dk",
            birth_date=datetime.date(1990, 1, 1),
        )
    ]
    with pytest.raises(services.create.RuleError) as exc:
        services.users_bulk_create(
            organisation=organisation, users=birth_only, batch="b1", actor=user_admin
        )
    assert exc.value.code == "already_created" and _counts() == before


def test_a_cpr_created_between_preview_and_confirm_stops_the_whole_file(
    admin_client, organisation, django_capture_on_commit_callbacks
):
    page = upload(admin_client, csv_bytes(lines(3))).content.decode()
    UserFactory(organisation=organisation, cpr=cpr(2), cpr_hash=crypto.cpr_hash(cpr(2)))
    before = _counts()
    response = _confirm(admin_client, django_capture_on_commit_callbacks, page)
    assert response.url == UPLOAD and _counts() == before
    page = admin_client.get(UPLOAD).content.decode()
    assert "oprettet i organisationen i mellemtiden" in page


def test_a_preview_replaced_by_a_newer_file_is_not_confirmed(admin_client):
    old = upload(admin_client, csv_bytes(lines(2))).content.decode()
    upload(admin_client, csv_bytes(lines(2, start=10)))
    before = _counts()
    response = admin_client.post(CONFIRM, {"batch": _batch(old)})
    assert response.url == UPLOAD and _counts() == before


def test_a_failure_half_way_saves_nothing(admin_client, monkeypatch):
    page = upload(admin_client, csv_bytes(lines(3))).content.decode()

    def boom(**kwargs):
        raise RuntimeError("invitations failed")

    monkeypatch.setattr("activation.services.create.users_activation_start", boom)
    before = _counts()
    with pytest.raises(RuntimeError):
        admin_client.post(CONFIRM, {"batch": _batch(page)})
    assert _counts() == before


def _batches(model, n: int, cap: int) -> int:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    size = min(cap, connection.ops.bulk_batch_size(fields, [model()] * n) or n)
    return -(-n // size)


def test_the_confirm_queries_do_not_grow_per_row(admin_client):
    """Only the bulk statements' batches grow (SQLite caps bound variables per statement):
    no query per row. The email delivery after commit is the worker's, not measured here."""

    def measure(n: int, start: int) -> int:
        page = upload(admin_client, csv_bytes(lines(n, start=start))).content.decode()
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post(CONFIRM, {"batch": _batch(page)})
        assert response.url == DONE
        assert User.objects.filter(first_name=f"Fornavn{start}").count() == 1
        return len(queries)

    small, large = measure(5, 0), measure(1500, 100)
    allowed = sum(
        _batches(model, 1500, cap) - _batches(model, 5, cap)
        for model, cap in ((User, 1000), (Invitation, 2000), (OutboundEmail, 1000))
    )
    basic = PublicService.objects.filter(in_basic_package=True).count()
    if basic:  # the Basispakke's rights
        allowed += _batches(UserRight, 1500 * basic, 2000) - _batches(UserRight, 5 * basic, 2000)
    assert large - small <= allowed + 2, (small, large, allowed)
    assert large - small < 1500 / 10


def test_the_confirm_needs_post(admin_client):
    assert admin_client.get(CONFIRM).status_code == 405


# --- Who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [RoleGrant.Role.RIGHTS_ADMIN, None])
def test_a_rights_administrator_or_plain_user_gets_403(client, organisation, role):
    user = UserFactory(organisation=organisation)
    if role:
        RoleGrantFactory(user=user, role=role)
    client.force_login(user)
    for url in (UPLOAD, reverse("activation:bulk_create_template"), DONE):
        assert client.get(url).status_code == 403
    assert upload(client, csv_bytes(lines(1))).status_code == 403
    assert client.post(CONFIRM, {"batch": "x"}).status_code == 403


def test_another_organisations_file_is_not_confirmed(client, admin_client, organisation):
    """The checked rows belong to the session of the administrator who uploaded them; an
    administrator of another organisation cannot confirm them, and its users are never shown."""
    page = upload(admin_client, csv_bytes(lines(2))).content.decode()
    session = admin_client.session
    pending = session[PENDING_KEY]
    other_admin = RoleGrantFactory(role=RoleGrant.Role.USER_ADMIN).user
    client.force_login(other_admin)
    other_session = client.session
    other_session[PENDING_KEY] = pending  # as if copied into the other organisation's session
    other_session.save()
    before = _counts()
    response = client.post(CONFIRM, {"batch": _batch(page)})
    assert response.url == UPLOAD and _counts() == before


def test_a_cpr_in_another_organisation_is_shown_as_ok(admin_client):
    other = UserFactory(cpr=cpr(3), cpr_hash=crypto.cpr_hash(cpr(3)))
    page = upload(admin_client, csv_bytes(lines(4))).content.decode()
    assert "Filen er uden fejl." in page
    assert other.full_name not in page


def test_the_detail_of_another_organisations_user_is_404(admin_client):
    other = UserFactory()
    assert admin_client.get(reverse("users:detail", args=[other.pk])).status_code == 404


def test_a_damaged_pending_file_in_the_session_is_refused_calmly(admin_client):
    page = upload(admin_client, csv_bytes(lines(2))).content.decode()
    session = admin_client.session
    session[PENDING_KEY]["rows"][0][2] = "not-a-fernet-token"
    session.save()
    before = _counts()
    response = admin_client.post(CONFIRM, {"batch": _batch(page)})
    assert response.status_code == 302 and response.url == UPLOAD
    assert _counts() == before
