"""*Aktiveringskoder* (issue 14): the birth-date users' temporary activation codes revealed in
bulk as a printable sheet or a CSV, once, with one audit event; never another organisation's."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activation import selectors, services
from activation.models import BulkJob, BulkJobItem, Invitation
from mitid_portal import crypto
from mitid_portal.errors import RuleError
from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.activation.factories import (
    BirthDateUserFactory,
    ImportedUserFactory,
    SetUpOrganisationFactory,
)
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("activation:codes")
SHEET_CODE = re.compile(r'data-testid="sheet-code">(\d{8})<')
ALREADY = "Koderne er allerede vist. Brug Ny kode for den enkelte bruger."


def _start(organisation, users, actor=None):
    return services.users_activation_start(
        organisation=organisation, users=users, means=["app"], actor=actor
    )


def _reveal(client, fmt="ark", **extra):
    return client.post(URL, {"format": fmt, "confirmed": "1", **extra})


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_page_counts_the_codes_not_shown_and_offers_sheet_and_csv(admin_client, organisation):
    _start(organisation, BirthDateUserFactory.create_batch(3, organisation=organisation))
    _start(organisation, [ImportedUserFactory(organisation=organisation)])  # CPR: no code

    page = admin_client.get(URL)

    body = page.content.decode()
    assert "3 brugere mangler at få vist deres midlertidige aktiveringskode." in body
    assert "Vis koder som udskriftsark" in body and "Hent koder som CSV" in body
    assert 'data-target="modal-codes-reveal-sheet"' in body
    assert 'id="modal-codes-reveal-csv"' in body
    assert "no-store" in page["Cache-Control"]


def test_the_sheet_shows_each_code_once_with_one_audit_event(admin_client, organisation, org_admin):
    users = BirthDateUserFactory.create_batch(3, organisation=organisation)
    _start(organisation, users)

    response = _reveal(admin_client)

    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    codes = SHEET_CODE.findall(body)
    assert len(codes) == 3
    assert body.count('data-testid="code-section"') == 3
    assert body.count('class="codes-sheet__section"') == 3
    assert "css/codes_sheet" in body and "data-print-sheet" in body and ">Udskriv<" in body
    assert "Din midlertidige aktiveringskode til MitID Erhverv" in body
    for user in users:
        assert user.full_name in body
        invitation = Invitation.objects.get(user=user)
        assert invitation.code_revealed_at is not None
        assert any(
            crypto.hashes_match(code, invitation.code_hash, purpose="activation-code")
            for code in codes
        )
    # Nothing in clear: not in the rows, the session or the audit.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM activation_invitation")
        stored = str(cursor.fetchall())
    assert not any(code in stored for code in codes)
    assert not any(code in str(dict(admin_client.session)) for code in codes)
    event = AuditEvent.objects.get(action="activation_code_revealed")
    assert event.changes == {"count": 3}
    assert event.actor_user == org_admin and event.target == "3 brugere"
    assert not any(code in str(event.changes) + event.target for code in codes)

    # A second reveal finds nothing, and *Vis* for one of them is refused too.
    again = _reveal(admin_client, fmt="csv")
    assert again.status_code == 302
    assert ALREADY in admin_client.get(again.url).content.decode()
    assert AuditEvent.objects.filter(action="activation_code_revealed").count() == 1
    with pytest.raises(RuleError):
        services.activation_code_reveal(
            invitation=Invitation.objects.get(user=users[0]), actor=org_admin
        )
    assert "Der er ingen midlertidige aktiveringskoder" in admin_client.get(URL).content.decode()


def test_a_code_already_shown_with_vis_is_left_out(admin_client, organisation, org_admin):
    first, second = _start(
        organisation, BirthDateUserFactory.create_batch(2, organisation=organisation)
    )
    services.activation_code_reveal(invitation=first, actor=org_admin)
    hash_after_vis = Invitation.objects.get(pk=first.pk).code_hash

    body = _reveal(admin_client).content.decode()

    assert len(SHEET_CODE.findall(body)) == 1
    assert second.user.full_name in body and first.user.full_name not in body
    assert Invitation.objects.get(pk=first.pk).code_hash == hash_after_vis


def test_without_confirmation_nothing_is_shown(admin_client, organisation):
    _start(organisation, BirthDateUserFactory.create_batch(2, organisation=organisation))

    page = admin_client.post(URL, {"format": "ark"})

    body = page.content.decode()
    assert "Vil du vise de midlertidige aktiveringskoder nu?" in body
    assert 'name="format" value="ark"' in body and not SHEET_CODE.findall(body)
    assert not Invitation.objects.filter(code_revealed_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="activation_code_revealed").exists()


def test_the_csv_has_the_codes_and_is_formula_safe(admin_client, organisation):
    user = BirthDateUserFactory(
        organisation=organisation, first_name="=HYPERLINK(1)", last_name="Jensen"
    )
    other = BirthDateUserFactory(organisation=organisation, last_name="Andersen")
    _start(organisation, [user, other])

    response = _reveal(admin_client, fmt="csv")

    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    header, *rows = _csv_rows(response)
    assert header == [
        "Navn",
        "E-mail",
        "Bruger-ID",
        "Midlertidig aktiveringskode",
        "Aktiveringslinket udløber",
    ]
    assert [row[0] for row in rows] == [other.full_name, "'=HYPERLINK(1) Jensen"]
    for row, subject in zip(rows, (other, user), strict=True):
        invitation = Invitation.objects.get(user=subject)
        assert re.fullmatch(r"\d{8}", row[3])
        assert crypto.hashes_match(row[3], invitation.code_hash, purpose="activation-code")
        assert row[1] == subject.email
    assert AuditEvent.objects.get(action="activation_code_revealed").changes == {"count": 2}


def test_each_section_is_in_the_users_language(admin_client, organisation):
    english = BirthDateUserFactory(organisation=organisation, language="en")
    _start(organisation, [english, BirthDateUserFactory(organisation=organisation)])

    body = _reveal(admin_client).content.decode()

    assert body.count('data-testid="code-section"') == 2
    assert "Your temporary activation code for MitID Erhverv" in body
    assert "Din midlertidige aktiveringskode til MitID Erhverv" in body
    assert 'lang="en"' in body


def test_only_the_latest_start_when_asked(admin_client, organisation):
    older = _start(organisation, BirthDateUserFactory.create_batch(2, organisation=organisation))
    Invitation.objects.filter(pk__in=[i.pk for i in older]).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    latest = _start(organisation, BirthDateUserFactory.create_batch(3, organisation=organisation))

    everything = admin_client.get(URL).content.decode()
    assert "5 brugere mangler" in everything and "?seneste=1" in everything
    page = admin_client.get(URL, {"seneste": "1"}).content.decode()
    assert "3 brugere mangler" in page
    latest_start = selectors.invitations_codes_latest_start(organisation=organisation)
    assert latest_start.job is None and latest_start.count == 3
    since = latest_start.started_at
    assert f'name="since" value="{since.isoformat()}"' in page

    body = _reveal(admin_client, since=since.isoformat()).content.decode()

    assert len(SHEET_CODE.findall(body)) == 3
    assert set(Invitation.objects.filter(code_revealed_at__isnull=False)) == set(latest)
    assert "2 brugere mangler" in admin_client.get(URL).content.decode()


def test_another_organisations_codes_are_never_included(admin_client, organisation):
    mine = _start(organisation, [BirthDateUserFactory(organisation=organisation)])
    elsewhere = SetUpOrganisationFactory()
    theirs = _start(elsewhere, BirthDateUserFactory.create_batch(2, organisation=elsewhere))

    assert "1 bruger mangler" in admin_client.get(URL).content.decode()
    body = _reveal(admin_client).content.decode()
    assert len(SHEET_CODE.findall(body)) == 1
    assert not any(i.user.full_name in body for i in theirs)
    assert Invitation.objects.get(pk=mine[0].pk).code_revealed_at is not None
    assert not Invitation.objects.filter(
        organisation=elsewhere, code_revealed_at__isnull=False
    ).exists()

    # The service itself drops another organisation's invitations given to it.
    with pytest.raises(RuleError):
        services.activation_codes_reveal_bulk(
            organisation=organisation,
            invitations=list(Invitation.objects.filter(organisation=elsewhere)),
            actor=UserFactory(organisation=organisation),
        )
    assert not Invitation.objects.filter(
        organisation=elsewhere, code_revealed_at__isnull=False
    ).exists()


def test_an_outsider_administrator_sees_and_reveals_nothing_of_ours(client, organisation):
    _start(organisation, BirthDateUserFactory.create_batch(2, organisation=organisation))
    outsider = UserFactory(organisation=SetUpOrganisationFactory())
    RoleGrantFactory(user=outsider, role=RoleGrant.Role.ORGANISATION_ADMIN)
    client.force_login(outsider)

    assert "Der er ingen midlertidige" in client.get(URL).content.decode()
    response = _reveal(client)
    assert response.status_code == 302
    assert not Invitation.objects.filter(code_revealed_at__isnull=False).exists()


@pytest.mark.parametrize("role", [RoleGrant.Role.RIGHTS_ADMIN, None])
def test_a_rights_administrator_or_plain_user_is_refused(client, organisation, role):
    _start(organisation, [BirthDateUserFactory(organisation=organisation)])
    person = UserFactory(organisation=organisation)
    if role:
        RoleGrantFactory(user=person, organisation=organisation, role=role)
    client.force_login(person)
    assert client.get(URL).status_code == 403
    assert _reveal(client).status_code == 403
    assert not Invitation.objects.filter(code_revealed_at__isnull=False).exists()


def test_the_reveal_takes_the_same_queries_for_3_and_60_users(admin_client, organisation):
    def queries(n):
        Invitation.objects.all().delete()
        _start(organisation, BirthDateUserFactory.create_batch(n, organisation=organisation))
        with CaptureQueriesContext(connection) as context:
            response = _reveal(admin_client)
        assert len(SHEET_CODE.findall(response.content.decode())) == n
        return len(context.captured_queries)

    assert queries(3) == queries(60)


def test_the_user_administrator_may(client, organisation, user_admin):
    _start(organisation, [BirthDateUserFactory(organisation=organisation)])
    client.force_login(user_admin)
    assert len(SHEET_CODE.findall(_reveal(client).content.decode())) == 1


def _job_in_two_chunks(organisation, users):
    """A bulk activation job that started its users in two chunks, a second apart."""
    job = BulkJob.objects.create(
        organisation=organisation,
        action="activate",
        state=BulkJob.State.DONE,
        created_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    for user in users:
        BulkJobItem.objects.create(job=job, user=user, done=True, outcome=BulkJobItem.Outcome.OK)
    half = len(users) // 2
    first = _start(organisation, users[:half])
    Invitation.objects.filter(pk__in=[i.pk for i in first]).update(
        created_at=timezone.now() - datetime.timedelta(minutes=4)
    )
    second = _start(organisation, users[half:])
    BulkJob.objects.filter(pk=job.pk).update(finished_at=timezone.now())
    return BulkJob.objects.get(pk=job.pk), first + second


def test_a_bulk_activation_jobs_codes_are_shown_together(admin_client, organisation):
    older = _start(organisation, [BirthDateUserFactory(organisation=organisation)])
    Invitation.objects.filter(pk=older[0].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    job, invitations = _job_in_two_chunks(
        organisation, BirthDateUserFactory.create_batch(4, organisation=organisation)
    )

    latest = selectors.invitations_codes_latest_start(organisation=organisation)
    assert latest.job == job and latest.count == 4
    assert "4 brugere mangler" in admin_client.get(URL, {"seneste": "1"}).content.decode()
    page = admin_client.get(URL, {"job": job.pk}).content.decode()
    assert "4 brugere mangler" in page and f'name="job" value="{job.pk}"' in page

    body = _reveal(admin_client, job=job.pk).content.decode()

    assert len(SHEET_CODE.findall(body)) == 4
    assert set(Invitation.objects.filter(code_revealed_at__isnull=False)) == set(invitations)
    assert "1 bruger mangler" in admin_client.get(URL).content.decode()


def test_another_organisations_job_is_404(admin_client, organisation):
    elsewhere = SetUpOrganisationFactory()
    job, _invitations = _job_in_two_chunks(
        elsewhere, BirthDateUserFactory.create_batch(2, organisation=elsewhere)
    )
    assert admin_client.get(URL, {"job": job.pk}).status_code == 404
    assert _reveal(admin_client, job=job.pk).status_code == 404
    assert not Invitation.objects.filter(code_revealed_at__isnull=False).exists()


def test_the_receipt_and_afventer_aktivering_link_to_the_codes(admin_client, organisation):
    session = admin_client.session
    session["activation_bulk_receipt"] = {"count": 3, "means": ["app"], "with_code": 2}
    session.save()
    receipt = admin_client.get(reverse("activation:bulk_receipt")).content.decode()
    assert f'href="{URL}?seneste=1"' in receipt
    assert reverse("activation:delivery") in receipt

    pending = admin_client.get(reverse("activation:pending")).content.decode()
    assert f'href="{URL}"' in pending and reverse("activation:delivery") in pending
