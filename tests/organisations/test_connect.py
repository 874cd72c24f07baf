"""Connecting the organisation at NemLog-in (G2.1–G2.7) and the setup link (G3.1–G3.4)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activation.services.connection import connection_confirm
from mitid_portal.models import AuditEvent
from organisations import services
from organisations.models import ConnectionRequest, Organisation, RoleGrant
from tests.factories import CompanyFactory, PersonFactory, RepresentativeFactory
from tests.helpers import sign_in_person

# Transactional, so that emails queued on commit are delivered within each request.
pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def owner():
    return PersonFactory(first_name="Hanne", last_name="Vestergaard")


@pytest.fixture
def practice(owner):
    return RepresentativeFactory(
        person=owner, company=CompanyFactory(name="Lægehuset Vestergade I/S")
    ).company


@pytest.fixture
def clinic(owner):
    return RepresentativeFactory(
        person=owner, company=CompanyFactory(name="Tandklinikken ApS")
    ).company


def _walk_to_confirm(client, company, **admin):
    response = client.post(reverse("organisations:choose"), {"cvr": company.cvr})
    connection = ConnectionRequest.objects.latest("created_at")
    assert response.url == reverse("organisations:terms", args=[connection.pk])
    client.post(response.url, {"accept": "on"})
    data = {"choice": "self", "requester_email": "hanne@vestergade.dk", **admin}
    response = client.post(reverse("organisations:admin", args=[connection.pk]), data)
    return connection, response


def test_anonymous_is_sent_to_the_mitid_login(client):
    response = client.get(reverse("organisations:choose"))
    assert response.status_code == 302 and response.url.startswith(reverse("login:start"))


def test_the_list_shows_only_when_the_person_represents_several(client, owner, practice, clinic):
    sign_in_person(client, owner)
    html = client.get(reverse("organisations:choose")).content.decode()
    assert "Vælg den organisation der skal tilsluttes" in html
    assert f'value="{practice.cvr}"' in html and f'value="{clinic.cvr}"' in html
    assert 'type="radio"' in html


def test_a_representative_connects_and_the_accountant_gets_a_60_day_setup_link(
    client, owner, practice, clinic
):
    sign_in_person(client, owner)
    accountant = PersonFactory(first_name="Bent", last_name="Revisor")
    connection, response = _walk_to_confirm(
        client,
        practice,
        choice="other",
        first_name="Bent",
        last_name="Revisor",
        email="bent@revision.dk",
        cpr=accountant.cpr,
    )
    assert response.url == reverse("activation:connect_confirm", args=[connection.pk])
    page = client.get(response.url).content.decode()
    assert "Bekræft og godkend tilslutning" in page
    response = client.post(response.url)
    assert response.url == reverse("organisations:receipt", args=[connection.pk])
    assert "er nu tilsluttet MitID Erhverv" in client.get(response.url).content.decode()

    organisation = Organisation.objects.get(cvr=practice.cvr)
    grant = RoleGrant.objects.get(organisation=organisation)
    assert (
        grant.role == RoleGrant.Role.ORGANISATION_ADMIN and grant.user.email == "bent@revision.dk"
    )
    assert grant.granted_by_name == "Hanne Vestergaard"
    connection.refresh_from_db()
    assert connection.terms_version == services.TERMS_VERSION and connection.terms_accepted_at

    receipt = next(m for m in mail.outbox if m.to == ["hanne@vestergade.dk"])
    assert "Kvittering" in receipt.subject
    setup = next(m for m in mail.outbox if m.to == ["bent@revision.dk"])
    assert "organisationsadministrator" in setup.subject
    link = re.search(r"http://127.0.0.1:8000(/opsaetning/[^/\s]+/)", setup.body).group(1)
    assert "gyldigt i 60 dage" in setup.body

    actions = set(AuditEvent.objects.filter(cvr=practice.cvr).values_list("action", flat=True))
    assert {"terms_accepted", "organisation_connected", "admin_appointed"} <= actions
    assert accountant.cpr not in str(list(AuditEvent.objects.values_list("changes", "target")))

    # The link works for the accountant (G3.1–G3.4) ...
    client.logout()
    sign_in_person(client, accountant)
    response = client.get(link)
    assert response.url == reverse("activation:setup_continue")  # token leaves the URL
    response = client.post(response.url)
    assert response.url == reverse("organisations:setup")
    assert client.get("/").context["request"].user == grant.user
    # ... only once.
    spent = client.get(link, follow=True)
    assert spent.status_code == 410
    assert spent.redirect_chain == [(reverse("activation:setup_continue"), 302)]


def test_the_setup_link_expires_after_60_days(client, owner, practice):
    sign_in_person(client, owner)
    connection, response = _walk_to_confirm(client, practice)
    client.post(response.url)
    setup = next(m for m in mail.outbox if "organisationsadministrator" in m.subject)
    link = re.search(r"http://127.0.0.1:8000(\S+)", setup.body).group(1)
    invitation = Organisation.objects.get(cvr=practice.cvr).admin_invitations.get()
    assert abs(
        invitation.expires_at - timezone.now() - datetime.timedelta(days=60)
    ) < datetime.timedelta(minutes=1)
    invitation.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    invitation.save()
    response = client.get(link, follow=True)
    assert response.status_code == 410
    assert "Linket er udløbet" in response.content.decode()


def test_someone_else_cannot_use_the_setup_link(client, owner, practice):
    sign_in_person(client, owner)
    accountant = PersonFactory()
    connection, response = _walk_to_confirm(
        client,
        practice,
        choice="other",
        first_name="A",
        last_name="B",
        email="a@b.dk",
        cpr=accountant.cpr,
    )
    client.post(response.url)
    setup = next(m for m in mail.outbox if m.to == ["a@b.dk"])
    link = re.search(r"http://127.0.0.1:8000(\S+)", setup.body).group(1)
    client.get(link)  # the owner (not the appointed person) opens it
    response = client.post(reverse("activation:setup_continue"), follow=True)
    assert "Du er ikke den person" in response.content.decode()
    assert not response.context["request"].user.is_authenticated
    assert AuditEvent.objects.filter(action="admin_setup_refused").count() == 1


def test_a_double_submit_connects_once_and_sends_one_email(client, owner, practice):
    sign_in_person(client, owner)
    connection, response = _walk_to_confirm(client, practice)
    client.post(response.url)
    client.post(response.url)
    assert Organisation.objects.filter(cvr=practice.cvr).count() == 1
    assert (
        len(
            [
                m
                for m in mail.outbox
                if m.to == ["hanne@vestergade.dk"] and "Kvittering" in m.subject
            ]
        )
        == 1
    )


def test_a_connected_cvr_cannot_be_connected_again(client, owner, practice):
    sign_in_person(client, owner)
    connection, response = _walk_to_confirm(client, practice)
    client.post(response.url)
    response = client.post(reverse("organisations:choose"), {"cvr": practice.cvr}, follow=True)
    assert "allerede tilsluttet MitID Erhverv" in response.content.decode()
    assert ConnectionRequest.objects.count() == 1


def test_terms_must_be_accepted(client, owner, practice):
    sign_in_person(client, owner)
    client.post(reverse("organisations:choose"), {"cvr": practice.cvr})
    connection = ConnectionRequest.objects.get()
    response = client.post(reverse("organisations:terms", args=[connection.pk]), {})
    assert "Du skal acceptere vilkårene for at fortsætte." in response.content.decode()
    assert client.get(reverse("organisations:admin", args=[connection.pk])).url == reverse(
        "organisations:terms", args=[connection.pk]
    )
    connection.refresh_from_db()
    assert connection.terms_accepted_at is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "bent@", "Indtast en gyldig e-mailadresse"),
        ("cpr", "3113801234", "gyldig fødselsdato"),
        ("cpr", "12345", "10 cifre"),
        ("birth_date", "31-02-1980", "dd-mm-åååå"),
    ],
)
def test_bad_administrator_details_are_refused_and_kept(
    client, owner, practice, field, value, message
):
    sign_in_person(client, owner)
    data = {
        "choice": "other",
        "first_name": "Bent",
        "last_name": "Revisor",
        "email": "bent@revision.dk",
        "cpr": "",
        "birth_date": "01-01-1970",
        field: value,
    }
    connection, response = _walk_to_confirm(client, practice, **data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'value="{value}"' in html
    connection.refresh_from_db()
    assert connection.admin_choice == ""


def test_a_non_representative_is_refused_with_one_audit_event_and_offered_the_manual_route(
    client, practice
):
    stranger = PersonFactory(first_name="Kurt", last_name="Fremmed")
    sign_in_person(client, stranger)
    response = client.post(
        reverse("organisations:choose"), {"manual_cvr": "1", "manual-cvr": practice.cvr}
    )
    html = response.content.decode()
    assert "ikke registreret som ledelsesrepræsentant" in html
    assert "Søg om tilslutning med dokumentation" in html
    assert not ConnectionRequest.objects.exists()
    event = AuditEvent.objects.get()
    assert event.action == "connection_refused" and event.cvr == practice.cvr

    # A CVR typed into the list form is refused the same way.
    client.post(reverse("organisations:choose"), {"cvr": practice.cvr})
    assert not ConnectionRequest.objects.exists()
    assert AuditEvent.objects.count() == 2


def test_the_manual_route_waits_for_an_operator_who_approves(client, practice, admin_user):
    stranger = PersonFactory(first_name="Kurt", last_name="Fremmed")
    sign_in_person(client, stranger)
    response = client.post(reverse("organisations:choose"), {"cvr": practice.cvr, "manual": "1"})
    connection = ConnectionRequest.objects.get()
    assert not connection.is_representative
    client.post(response.url, {"accept": "on"})
    response = client.post(
        reverse("organisations:admin", args=[connection.pk]),
        {"choice": "self", "requester_email": "kurt@example.dk"},
    )
    assert response.url == reverse("organisations:documents", args=[connection.pk])
    # Confirming without documentation is not possible.
    client.post(reverse("activation:connect_confirm", args=[connection.pk]))
    connection.refresh_from_db()
    assert connection.state == ConnectionRequest.State.DRAFT

    bad = SimpleUploadedFile(
        "aarsrapport.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = client.post(response.url, {"document": bad})
    assert "Filen skal være en PDF eller et billede" in response.content.decode()
    big = SimpleUploadedFile(
        "stor.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf"
    )
    response = client.post(
        reverse("organisations:documents", args=[connection.pk]), {"document": big}
    )
    assert "højst fylde 5 MB" in response.content.decode()
    good = SimpleUploadedFile("aarsrapport.pdf", PDF, content_type="application/octet-stream")
    client.post(reverse("organisations:documents", args=[connection.pk]), {"document": good})
    assert connection.documents.get().content_type == "application/pdf"

    client.post(reverse("activation:connect_confirm", args=[connection.pk]))
    connection.refresh_from_db()
    assert connection.state == ConnectionRequest.State.AWAITING_REVIEW
    assert not Organisation.objects.exists()
    assert any("afventer behandling" in m.subject for m in mail.outbox)

    # The operator approves in the Django admin.
    client.force_login(admin_user)
    changelist = reverse("admin:organisations_connectionrequest_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [connection.pk]})
    connection.refresh_from_db()
    assert connection.state == ConnectionRequest.State.COMPLETED
    assert Organisation.objects.filter(cvr=practice.cvr).exists()
    assert any(m.to == ["kurt@example.dk"] and "Kvittering" in m.subject for m in mail.outbox)
    assert AuditEvent.objects.filter(
        action="connection_approved", actor_name=admin_user.username
    ).exists()


def test_an_operator_rejects_with_a_reason_that_is_emailed(client, practice, admin_user):
    stranger = PersonFactory()
    connection = services.connection_start(
        cpr=stranger.cpr, person_name="Kurt Fremmed", cvr=practice.cvr, manual=True
    )
    services.connection_accept_terms(connection=connection)
    services.connection_choose_admin(connection=connection, choice="self", requester_email="k@e.dk")
    services.connection_add_document(
        connection=connection, upload=SimpleUploadedFile("r.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    )
    connection_confirm(connection_id=connection.pk)
    client.force_login(admin_user)
    change = reverse("admin:organisations_connectionrequest_changelist")
    # Without a reason the rejection is refused.
    client.post(change, {"action": "reject", "_selected_action": [connection.pk]})
    connection.refresh_from_db()
    assert connection.state == ConnectionRequest.State.AWAITING_REVIEW
    ConnectionRequest.objects.filter(pk=connection.pk).update(
        decision_note="Dokumentet viser ikke tegningsret."
    )
    client.post(change, {"action": "reject", "_selected_action": [connection.pk]})
    connection.refresh_from_db()
    assert connection.state == ConnectionRequest.State.REJECTED
    rejection = next(m for m in mail.outbox if "afvist" in m.subject)
    assert "Dokumentet viser ikke tegningsret." in rejection.body
    assert not Organisation.objects.exists()


def test_another_persons_connection_request_is_404(client, owner, practice):
    sign_in_person(client, owner)
    client.post(reverse("organisations:choose"), {"cvr": practice.cvr})
    connection = ConnectionRequest.objects.get()
    sign_in_person(client, PersonFactory())
    for name in (
        "organisations:terms",
        "organisations:admin",
        "organisations:documents",
        "activation:connect_confirm",
        "organisations:receipt",
    ):
        assert client.get(reverse(name, args=[connection.pk])).status_code == 404
