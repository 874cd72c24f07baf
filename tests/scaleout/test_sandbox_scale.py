"""Many exercises (øvelser) on one database cost one exercise nothing (issue 12): with 20 more
sandboxes, each with the demo world and a few audit events, the pages of one sandbox's
organisation administrator (*Brugere*, *Brugerinformation*, *Overblik*, *Revisionslog*) make the
same number of queries as with that sandbox alone and show only its own rows. On PostgreSQL the
*Brugere* list's queries can be answered from an index (no sequential scan of users_user when the
planner is told to avoid one: on tables this small it would rightly prefer a scan anyway)."""

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mitid_portal.audit import audit_record
from mitid_portal.models import AuditAction, Sandbox
from mitid_portal.sandbox import sandbox_scope
from mitid_portal.sandbox_middleware import sandbox_cookie_set
from mitid_portal.sandboxes import sandbox_create
from organisations.models import RoleGrant
from users.models import User

pytestmark = pytest.mark.django_db

EXTRA = 20
EVENTS = 3  # audit events per sandbox, so the Revisionslog has rows to show


def _sandbox_with_events() -> Sandbox:
    sandbox, _token = sandbox_create(name="skala")
    with sandbox_scope(sandbox.pk):
        grant = RoleGrant.objects.select_related("user", "organisation").get(
            role=RoleGrant.Role.ORGANISATION_ADMIN
        )
        for _ in range(EVENTS):
            audit_record(
                action=AuditAction.SETUP_STEP_SAVED,
                actor_name=grant.user.get_full_name(),
                actor_user=grant.user,
                organisation=grant.organisation,
            )
    return sandbox


def _admin_client(sandbox: Sandbox) -> tuple[Client, dict[str, str]]:
    """A browser in ``sandbox``'s exercise (its signed cookie), logged in as its organisation
    administrator; the URL of each page."""
    with sandbox_scope(sandbox.pk):
        admin = RoleGrant.objects.get(role=RoleGrant.Role.ORGANISATION_ADMIN).user
        other = User.objects.filter(organisation=admin.organisation).exclude(pk=admin.pk).first()
    assert other is not None
    cookie = HttpResponse()
    assert sandbox.expires_at is not None
    sandbox_cookie_set(cookie, sandbox_id=sandbox.pk, expires_at=sandbox.expires_at.timestamp())
    client = Client()
    client.cookies.update(cookie.cookies)
    client.force_login(admin)
    return client, {
        "Brugere": reverse("users:list"),
        "Brugerinformation": reverse("users:detail", args=[other.pk]),
        "Overblik": reverse("activation:migration_overview"),
        "Revisionslog": reverse("organisations:audit_log"),
    }


def _pages(client: Client, urls: dict[str, str]) -> dict[str, dict]:
    """Each page's query count and what it shows (the rows of the paginated lists)."""
    result = {}
    for page, url in urls.items():
        assert client.get(url).status_code == 200, page  # warm up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, page
        paginated = response.context.get("page")
        result[page] = {
            "queries": len(captured.captured_queries),
            "rows": paginated.paginator.count if paginated is not None else None,
            "sql": [query["sql"] for query in captured.captured_queries],
        }
    return result


@pytest.fixture
def hosted(settings):
    settings.SANDBOXES = True


def test_twenty_more_sandboxes_leave_one_sandboxs_pages_as_they_were(hosted):
    sandbox = _sandbox_with_events()
    client, urls = _admin_client(sandbox)
    alone = _pages(client, urls)
    with sandbox_scope(sandbox.pk):
        users = User.objects.filter(organisation__cvr__isnull=False).count()
    assert alone["Brugere"]["rows"] == users == 4  # Fysioterapien Kongensgade's four users
    assert alone["Revisionslog"]["rows"] == EVENTS

    for _ in range(EXTRA):
        _sandbox_with_events()
    assert Sandbox.objects.count() == EXTRA + 2  # with the default sandbox
    assert User.objects.count() >= (EXTRA + 1) * users  # unscoped: every sandbox's users

    crowded = _pages(client, urls)
    for page in urls:
        assert crowded[page]["queries"] == alone[page]["queries"], (
            page,
            alone[page]["sql"],
            crowded[page]["sql"],
        )
        assert crowded[page]["rows"] == alone[page]["rows"], page


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL (DATABASE_URL=postgres://…)",
)
def test_the_brugere_list_on_postgresql_is_served_by_an_index(hosted):
    sandbox = _sandbox_with_events()
    for _ in range(EXTRA):
        _sandbox_with_events()
    client, urls = _admin_client(sandbox)
    listed = [
        sql
        for sql in _pages(client, {"Brugere": urls["Brugere"]})["Brugere"]["sql"]
        if sql.startswith("SELECT") and 'FROM "users_user"' in sql
    ]
    assert listed  # the page's count and its rows
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE users_user")
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in listed:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on users_user" not in plan, (sql, plan)
