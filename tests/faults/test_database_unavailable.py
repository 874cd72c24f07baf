"""The database goes away in the middle of a request's service: the person gets the clear error
page (templates/500.html: "Der opstod en fejl … Intet er gemt halvt") and nothing of the half
that was written before the failure is kept.

The service is *Redigér* on *Brugerinformation* (``users.services.lifecycle.user_edit``): it
writes the user's row, then the audit event, in one transaction. The failure strikes between the
two.
"""

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.factories import RoleGrantFactory, UserFactory
from users.services.lifecycle import user_version

AUDIT_INSERT = 'INSERT INTO "organisations_auditevent"'


@pytest.fixture
def setting():
    grant = RoleGrantFactory(role=RoleGrant.Role.ORGANISATION_ADMIN)
    subject = UserFactory(
        organisation=grant.organisation, first_name="Oline", last_name="Uændret", state="awaiting"
    )
    return grant.user, subject


def _edit(client, admin, subject):
    client.raise_request_exception = False  # what a browser sees: the 500 page
    client.force_login(admin)
    return client.post(
        reverse("users:edit", args=[subject.pk]),
        {
            "first_name": "Halvt",
            "last_name": "Gemt",
            "email": subject.email,
            "phone": "",
            "version": user_version(subject),
        },
    )


def _assert_error_page_and_nothing_kept(response, subject):
    assert response.status_code == 500
    page = response.content.decode()
    assert "Der opstod en fejl" in page and "Intet er gemt halvt" in page
    subject.refresh_from_db()
    assert (subject.first_name, subject.last_name) == ("Oline", "Uændret")
    assert not AuditEvent.objects.filter(action="user_updated").exists()


@pytest.mark.django_db
def test_an_operational_error_mid_service_shows_the_error_page_and_keeps_nothing(client, setting):
    admin, subject = setting
    writes = []

    def database_gone(execute, sql, params, many, context):
        if sql.startswith(AUDIT_INSERT):
            raise OperationalError("server closed the connection unexpectedly")
        if sql.startswith("UPDATE"):
            writes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_gone):
        response = _edit(client, admin, subject)
    assert writes, "the first half (the user's row) was written before the failure"
    _assert_error_page_and_nothing_kept(response, subject)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_terminated_postgresql_connection_mid_service_keeps_nothing(client, setting):
    """The real thing on PostgreSQL: the server ends the request's connection (as on a restart
    or a fail-over) after the user's row was updated and before the audit event."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    admin, subject = setting

    def terminate_before_audit(execute, sql, params, many, context):
        if sql.startswith(AUDIT_INSERT):
            execute("SELECT pg_terminate_backend(pg_backend_pid())", (), False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(terminate_before_audit):
        response = _edit(client, admin, subject)
    connection.close()  # the test's own connection was the one terminated
    _assert_error_page_and_nothing_kept(response, subject)
