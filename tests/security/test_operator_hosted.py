"""The operators' admin runs unscoped (every exercise) when hosted: what an operator decides is
made in the exercise of the request decided on, never in the default sandbox, and the operator
reads the documentation of a request from any exercise."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from activation.services.connection import connection_confirm
from mitid_portal.models import AuditEvent, OutboundEmail
from mitid_portal.sandbox import DEFAULT_SANDBOX_ID, sandbox_scope
from mitid_portal.sandboxes import sandbox_create
from organisations import services
from organisations.models import ConnectionRequest, Organisation
from tests.factories import CompanyFactory, PersonFactory
from users.models import User

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def awaiting_review(settings):
    """A manual connection request with documentation, waiting for an operator, in an exercise."""
    settings.SANDBOXES = True
    sandbox, _token = sandbox_create()
    with sandbox_scope(sandbox.pk):
        company = CompanyFactory(name="Probe ApS")
        stranger = PersonFactory()
        connection = services.connection_start(
            cpr=stranger.cpr, person_name="Kurt Fremmed", cvr=company.cvr, manual=True
        )
        services.connection_accept_terms(connection=connection)
        services.connection_choose_admin(
            connection=connection, choice="self", requester_email="kurt@example.dk"
        )
        services.connection_add_document(
            connection=connection,
            upload=SimpleUploadedFile("aarsrapport.pdf", PDF, content_type="application/pdf"),
        )
        connection_confirm(connection_id=connection.pk)
    return sandbox, company, ConnectionRequest.objects.get(pk=connection.pk)


def test_approving_connects_the_organisation_in_its_own_exercise(
    client, admin_user, awaiting_review
):
    sandbox, company, connection = awaiting_review
    assert admin_user.sandbox_id == DEFAULT_SANDBOX_ID
    client.force_login(admin_user)
    changelist = reverse("admin:organisations_connectionrequest_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [connection.pk]})

    connection.refresh_from_db()
    assert connection.state == ConnectionRequest.State.COMPLETED
    organisation = Organisation.objects.get(cvr=company.cvr)
    assert organisation.sandbox_id == sandbox.pk and organisation.name == "Probe ApS"
    made = [
        *User.objects.filter(organisation=organisation),
        *AuditEvent.objects.filter(cvr=company.cvr),
        *OutboundEmail.objects.filter(to="kurt@example.dk"),
    ]
    assert len(made) >= 4
    assert {row.sandbox_id for row in made} == {sandbox.pk}


def test_an_operator_reads_the_documentation_of_a_request_in_any_exercise(
    client, admin_user, awaiting_review
):
    _sandbox, _company, connection = awaiting_review
    document = connection.documents.get()
    url = reverse("admin:organisations_connectiondocument_download", args=[document.pk])
    assert client.get(url).status_code == 302  # the operator login first
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    change = reverse("admin:organisations_connectionrequest_change", args=[connection.pk])
    assert url in client.get(change).content.decode()
