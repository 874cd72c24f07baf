"""*Revisionslog*: every administrative act of the organisation, filterable, paginated,
exportable as formula-safe CSV, at a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mitid_portal.audit import AuditAction, audit_record
from mitid_portal.models import AuditEvent
from organisations.models import RoleGrant
from tests.factories import OrganisationFactory, RoleGrantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Lægehuset Revision I/S")


@pytest.fixture
def org_admin(organisation):
    return RoleGrantFactory(
        user__organisation=organisation,
        user__first_name="Hanne",
        user__last_name="Admin",
        role=RoleGrant.Role.ORGANISATION_ADMIN,
    ).user


@pytest.fixture
def admin_client(client, org_admin):
    client.force_login(org_admin)
    return client


def _event(organisation, *, action="user_updated", actor="Hanne Admin", target="Lise", when=None):
    event = audit_record(
        action=action,
        actor_name=actor,
        organisation=organisation,
        target=target,
        changes={"phone": {"before": "", "after": "+4522334455"}},
    )
    if when is not None:
        AuditEvent.objects.filter(pk=event.pk).update(created_at=when)
    return event


def test_the_log_shows_who_what_whom_when_and_from_where(admin_client, organisation):
    AuditEvent.objects.create(
        organisation=organisation,
        cvr=organisation.cvr,
        actor_name="Hanne Admin",
        action="user_suspended",
        target="Lise Kristensen",
        changes={"reason": "Orlov"},
        ip_address="10.1.2.3",
    )
    html = admin_client.get(reverse("organisations:audit_log")).content.decode()
    for text in ("Hanne Admin", "Bruger suspenderet", "Lise Kristensen", "10.1.2.3", "Orlov"):
        assert text in html


def test_an_unknown_action_code_is_shown_as_it_is(admin_client, organisation):
    # A row written before its action was renamed: audit_record refuses new ones.
    AuditEvent.objects.create(organisation=organisation, actor_name="Hanne", action="something_new")
    assert "something_new" in admin_client.get(reverse("organisations:audit_log")).content.decode()


def test_every_code_the_portal_records_has_a_danish_label():
    for code in ("user_suspended", "user_closed", "nemid_import", "activation_link_resent"):
        assert code in AuditAction.values


def test_another_organisations_events_are_not_shown(admin_client, organisation):
    _event(organisation, target="Egen bruger")
    _event(OrganisationFactory(), target="Fremmed bruger")
    html = admin_client.get(reverse("organisations:audit_log")).content.decode()
    assert "Egen bruger" in html
    assert "Fremmed bruger" not in html


def test_filter_by_person_act_and_period(admin_client, organisation):
    now = timezone.now()
    _event(
        organisation, actor="Hanne Admin", target="A-mål", when=now - datetime.timedelta(days=10)
    )
    _event(organisation, actor="Bo Brugeradmin", target="B-mål", action="user_suspended")
    _event(organisation, actor="Hanne Admin", target="C-mål", action="user_closed")
    url = reverse("organisations:audit_log")

    html = admin_client.get(url, {"person": "bo"}).content.decode()
    assert "B-mål" in html and "A-mål" not in html and "C-mål" not in html

    html = admin_client.get(url, {"action": "user_closed"}).content.decode()
    assert "C-mål" in html and "B-mål" not in html

    today = timezone.localdate()
    html = admin_client.get(
        url, {"date_from": (today - datetime.timedelta(days=2)).isoformat()}
    ).content.decode()
    assert "B-mål" in html and "C-mål" in html and "A-mål" not in html

    html = admin_client.get(
        url, {"date_to": (today - datetime.timedelta(days=5)).isoformat()}
    ).content.decode()
    assert "A-mål" in html and "B-mål" not in html


def test_a_reversed_period_is_refused_with_a_message(admin_client):
    response = admin_client.get(
        reverse("organisations:audit_log"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert "Til-datoen skal være samme dag som eller efter fra-datoen." in response.content.decode()


def test_fifty_events_a_page_and_the_filter_survives_paging(admin_client, organisation):
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                organisation=organisation,
                cvr=organisation.cvr,
                actor_name="Hanne Admin",
                action="user_updated",
                target=f"Bruger {i}",
            )
            for i in range(120)
        ]
    )
    response = admin_client.get(reverse("organisations:audit_log"), {"person": "hanne"})
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.num_pages == 3
    assert "person=hanne&amp;side=2" in response.content.decode()
    last = admin_client.get(reverse("organisations:audit_log"), {"person": "hanne", "side": 3})
    assert len(last.context["rows"]) == 20


def _queries_for_log(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("organisations:audit_log"))
    assert response.status_code == 200
    return len(queries)


def _bulk_events(organisation, n):
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                organisation=organisation,
                cvr=organisation.cvr,
                actor_name=f"Admin {i % 7}",
                action=["user_updated", "user_suspended", "odd_code"][i % 3],
                target=f"Bruger {i}",
                changes={"reason": "x"},
                ip_address="10.0.0.1",
            )
            for i in range(n)
        ]
    )


def test_the_query_count_does_not_grow_with_the_log(admin_client, organisation):
    _bulk_events(organisation, 10)
    few = _queries_for_log(admin_client)
    _bulk_events(organisation, 490)
    many = _queries_for_log(admin_client)
    assert few == many
    assert many <= 10


def _csv_text(response) -> str:
    """The streamed export's text (read inside a query-counting block, its queries count)."""
    return b"".join(response.streaming_content).decode("utf-8")


def test_the_csv_query_count_does_not_grow_with_the_log(admin_client, organisation):
    _bulk_events(organisation, 10)
    with CaptureQueriesContext(connection) as few:
        _csv_text(admin_client.get(reverse("organisations:audit_log_csv")))
    _bulk_events(organisation, 490)
    with CaptureQueriesContext(connection) as many:
        text = _csv_text(admin_client.get(reverse("organisations:audit_log_csv")))
    assert len(few) == len(many)
    assert text.count("\r\n") == 501


def test_csv_export_is_excel_friendly_and_formula_safe(admin_client, organisation):
    AuditEvent.objects.create(
        organisation=organisation,
        cvr=organisation.cvr,
        actor_name='=HYPERLINK("http://x";"klik")',
        action="user_updated",
        target="+SUM(A1:A9)",
        changes={"note": "@cmd"},
        ip_address="10.0.0.9",
    )
    response = admin_client.get(reverse("organisations:audit_log_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = _csv_text(response)
    assert text.startswith("\ufeff")
    header, row = text.lstrip("\ufeff").split("\r\n")[:2]
    assert header.split(";")[:3] == ["Tidspunkt", "Udført af", "Handling"]
    cells = row.split(";")
    assert cells[1].startswith("\"'=HYPERLINK")
    assert "'+SUM(A1:A9)" in cells
    assert "Brugeroplysninger ændret" in cells
    assert "10.0.0.9" in cells


def test_csv_export_follows_the_filter(admin_client, organisation):
    _event(organisation, actor="Bo Brugeradmin", target="B-mål")
    _event(organisation, actor="Hanne Admin", target="H-mål")
    text = _csv_text(admin_client.get(reverse("organisations:audit_log_csv"), {"person": "bo"}))
    assert "B-mål" in text and "H-mål" not in text


def test_a_user_administrator_may_read_the_log_and_others_may_not(client, organisation):
    user_admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.USER_ADMIN
    ).user
    client.force_login(user_admin)
    assert client.get(reverse("organisations:audit_log")).status_code == 200
    rights_admin = RoleGrantFactory(
        user__organisation=organisation, role=RoleGrant.Role.RIGHTS_ADMIN
    ).user
    client.force_login(rights_admin)
    assert client.get(reverse("organisations:audit_log")).status_code == 403
    assert client.get(reverse("organisations:audit_log_csv")).status_code == 403


def test_the_lifecycle_acts_land_in_the_log(admin_client, organisation):
    from tests.factories import UserFactory

    user = UserFactory(organisation=organisation, first_name="Lise", last_name="Holm")
    admin_client.post(reverse("users:suspend", args=[user.pk]), {"reason": "Orlov"})
    admin_client.post(reverse("users:reactivate", args=[user.pk]))
    admin_client.post(reverse("activation:user_close", args=[user.pk]), {"reason": "Fratrådt"})
    html = admin_client.get(reverse("organisations:audit_log")).content.decode()
    for label in ("Bruger suspenderet", "Bruger genaktiveret", "Bruger lukket"):
        assert label in html
    assert "Fratrådt" in html
