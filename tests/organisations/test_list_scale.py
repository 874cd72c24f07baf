"""Lists fit for thousands (issue 14): *Revisionslog*, *Tildelte rettigheder* and *Fuldmagter*
searched, filtered, sorted and paged (a back-half page read backwards from the end gives the
same rows), their filter kept through pages, sorts and the streamed CSV export (formula-safe, no
CPR), query counts equal at 3 and 60 rows, and another organisation's rows never shown."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mitid_portal.models import AuditEvent
from organisations import services
from organisations.models import PowerOfAttorney, PublicService, RoleGrant, UserGroup, UserRight
from organisations.selectors import AUDIT_DEFAULT_SORT, AUDIT_SORTS, audit_events
from tests.factories import OrganisationFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

ORG_ADMIN = RoleGrant.Role.ORGANISATION_ADMIN
RIGHTS_ADMIN = RoleGrant.Role.RIGHTS_ADMIN


@pytest.fixture(autouse=True)
def _catalogue():
    services.public_services_seed()


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Lægehuset Liste I/S")


@pytest.fixture
def other():
    return OrganisationFactory(name="Fremmed Firma A/S")


@pytest.fixture
def admin(organisation):
    user = RoleGrantFactory(
        user__organisation=organisation,
        user__first_name="Hanne",
        user__last_name="Admin",
        role=ORG_ADMIN,
    ).user
    RoleGrant.objects.create(organisation=organisation, user=user, role=RIGHTS_ADMIN)
    return user


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def _text(response) -> str:
    """The page or the streamed export as text (read inside a counting block, the export's
    queries count too)."""
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode()


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        _text(response)
    assert response.status_code == 200
    return len(queries)


def _service(code) -> PublicService:
    return PublicService.objects.get(code=code)


# --- Revisionslog ---------------------------------------------------------------------------------


def _events(organisation, n, *, start=0, at=None):
    """``n`` events written in one go; ``at`` gives them all the same instant (a bulk act)."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organisation=organisation,
            cvr=organisation.cvr,
            actor_name=f"Admin {i % 5}",
            action=["user_updated", "user_suspended", "user_closed"][i % 3],
            target=f"Bruger {i:03}",
            ip_address="10.0.0.1",
        )
        for i in range(start, start + n)
    )
    if at is not None:
        AuditEvent.objects.filter(organisation=organisation).update(created_at=at)


def test_audit_back_half_pages_are_the_same_rows_as_reading_forward(admin_client, organisation):
    # Sixty events in the same instant: the id breaks the tie, forwards and backwards.
    _events(organisation, 60, at=timezone.now())
    expected = list(
        AuditEvent.objects.filter(organisation=organisation)
        .order_by("-created_at", "-id")
        .values_list("target", flat=True)
    )
    url = reverse("organisations:audit_log")
    for number in (1, 2, 3):
        page = admin_client.get(url, {"antal": 25, "side": number}).context["page"]
        targets = [event.target for event in page.object_list]
        assert targets == expected[(number - 1) * 25 : number * 25]
    last = admin_client.get(url, {"antal": 25, "side": "sidste"}).context["page"]
    assert last.number == 3 and len(last.object_list) == 10


def test_audit_sorts_by_actor_and_action_with_aria_sort(admin_client, organisation):
    _events(organisation, 12)
    url = reverse("organisations:audit_log")
    response = admin_client.get(url, {"sort": "actor", "person": "admin"})
    actors = [row["event"].actor_name for row in response.context["rows"]]
    assert actors == sorted(actors)
    html = response.content.decode()
    assert 'aria-sort="ascending"><a href="?person=admin&amp;sort=-actor' in html
    # The filter form keeps the sort; the export link keeps filter and sort.
    assert '<input type="hidden" name="sort" value="actor">' in html
    assert f"{reverse('organisations:audit_log_csv')}?person=admin&amp;sort=actor" in html
    newest = admin_client.get(url).content.decode()
    assert 'aria-sort="descending"><a href="?sort=time&amp;antal=50"' in newest


def test_audit_search_finds_actor_target_and_the_acts_name(admin_client, organisation):
    _events(organisation, 6)
    url = reverse("organisations:audit_log")

    def targets(q):
        rows = admin_client.get(url, {"q": q}).context["rows"]
        return {row["event"].target for row in rows}

    assert targets("Bruger 004") == {"Bruger 004"}
    assert targets("Admin 2") == {"Bruger 002"}
    # "Bruger suspenderet" is user_suspended's Danish name.
    assert targets("suspenderet") == {"Bruger 001", "Bruger 004"}


def test_audit_page_and_export_cost_the_same_at_3_and_60_events(admin_client, organisation):
    page, csv = reverse("organisations:audit_log"), reverse("organisations:audit_log_csv")
    asks = [
        (page, {}),
        (page, {"antal": 25, "side": "sidste"}),
        (page, {"sort": "-action", "q": "Bruger"}),
        (csv, {}),
        (csv, {"sort": "actor", "action": "user_closed"}),
    ]
    _events(organisation, 3)
    few = [_queries(admin_client, url, params) for url, params in asks]
    _events(organisation, 57, start=3)
    many = [_queries(admin_client, url, params) for url, params in asks]
    assert few == many


def test_audit_export_follows_search_and_sort(admin_client, organisation):
    _events(organisation, 9)
    text = _text(
        admin_client.get(
            reverse("organisations:audit_log_csv"), {"q": "suspenderet", "sort": "-actor"}
        )
    )
    lines = text.lstrip("\ufeff").split("\r\n")[1:-1]
    assert len(lines) == 3
    actors = [line.split(";")[1] for line in lines]
    assert actors == sorted(actors, reverse=True)


def test_audit_log_newest_first_is_read_from_the_index(organisation):
    """The default order is the index's: no sort of the organisation's events."""
    _events(organisation, 300, at=timezone.now())
    events = audit_events(organisation=organisation).order_by(
        *[f"-{f}" for f in AUDIT_SORTS[AUDIT_DEFAULT_SORT.lstrip("-")]]
    )[:25]
    sql, params = events.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table just filled has no statistics yet: without them every plan looks alike.
            cursor.execute("ANALYZE organisations_auditevent")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "organisations_auditevent_org_time_id" in plan
            assert "Sort" not in plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert "organisations_auditevent_org_time_id" in plan
            assert "TEMP B-TREE" not in plan


def test_audit_another_organisations_events_never_show(admin_client, organisation, other):
    _events(organisation, 3)
    AuditEvent.objects.create(
        organisation=other, actor_name="Fremmed Admin", action="user_updated", target="Hemmelig"
    )
    for params in ({}, {"q": "Fremmed"}, {"sort": "actor"}, {"side": "sidste"}):
        assert (
            "Hemmelig"
            not in admin_client.get(reverse("organisations:audit_log"), params).content.decode()
        )
        assert "Hemmelig" not in _text(
            admin_client.get(reverse("organisations:audit_log_csv"), params)
        )


# --- Tildelte rettigheder ------------------------------------------------------------------------


def _people_with_rights(organisation, n, *, start=0):
    """``n`` users, each holding FMK directly (RID-marked) and NemRefusion through one group."""
    group, _ = UserGroup.objects.get_or_create(organisation=organisation, name="Klinikken")
    group.services.add(_service("nemrefusion"))
    users = [
        UserFactory(
            organisation=organisation,
            first_name=f"Person{i:03}",
            last_name="Listesen",
            email=f"p{i:03}@{organisation.cvr}.example.dk",
        )
        for i in range(start, start + n)
    ]
    UserRight.objects.bulk_create(
        UserRight(user=user, service=_service("fmk"), from_rid=f"R{i:03}")
        for i, user in enumerate(users, start)
    )
    group.members.add(*users)
    return users


def _held(client, **params):
    response = client.get(reverse("organisations:rights_held"), params)
    assert response.status_code == 200
    return response.context["page"]


def test_rights_show_direct_and_group_rights_and_filter_them(admin_client, organisation):
    _people_with_rights(organisation, 3)
    page = _held(admin_client, q="Listesen")
    assert page.count == 6
    assert {(row["service_code"], row["group_name"]) for row in page} == {
        ("fmk", ""),
        ("nemrefusion", "Klinikken"),
    }
    assert _held(admin_client, q="Listesen", source="direct").count == 3
    group_rows = _held(admin_client, q="Listesen", source="group")
    assert group_rows.count == 3 and {row["source"] for row in group_rows} == {
        "Gennem gruppen Klinikken"
    }
    service = _service("nemrefusion")
    assert _held(admin_client, service=service.pk).count == 3
    # Search: the service's name or code, a user's name, email or the RID.
    assert _held(admin_client, q="NemRefusion").count == 3
    assert _held(admin_client, q="Person001").count == 2
    assert _held(admin_client, q="p002@").count == 2
    assert [row["rid"] for row in _held(admin_client, q="R001")] == ["R001"]


def test_rights_sort_by_service_and_back_half_pages_match(admin_client, organisation):
    _people_with_rights(organisation, 30)
    forward = [
        (row["service_name"], row["first_name"])
        for number in (1, 2, 3)
        for row in _held(admin_client, q="Listesen", sort="service", antal=25, side=number)
    ]
    assert len(forward) == 60
    assert forward == sorted(forward)
    html = admin_client.get(
        reverse("organisations:rights_held"), {"q": "Listesen", "sort": "service"}
    ).content.decode()
    assert 'aria-sort="ascending"><a href="?q=Listesen&amp;sort=-service' in html


def test_rights_page_and_export_cost_the_same_at_3_and_60_users(admin_client, organisation):
    page, csv = reverse("organisations:rights_held"), reverse("organisations:rights_held_csv")
    asks = [
        (page, {}),
        (page, {"antal": 25, "side": "sidste"}),
        (page, {"q": "Listesen", "sort": "-source"}),
        (csv, {}),
        (csv, {"source": "group"}),
    ]
    _people_with_rights(organisation, 3)
    few = [_queries(admin_client, url, params) for url, params in asks]
    _people_with_rights(organisation, 57, start=3)
    many = [_queries(admin_client, url, params) for url, params in asks]
    assert few == many


def test_rights_export_is_the_filter_formula_safe_and_without_cpr(admin_client, organisation):
    users = _people_with_rights(organisation, 2)
    UserFactory(organisation=organisation, first_name="=cmd", last_name="Listesen")
    UserRight.objects.create(
        user=users[0].__class__.objects.get(first_name="=cmd"), service=_service("skat")
    )
    text = _text(
        admin_client.get(
            reverse("organisations:rights_held_csv"), {"q": "Listesen", "sort": "user"}
        )
    )
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[0].split(";")[:2] == ["Fornavn(e)", "Efternavn"]
    assert len(lines) == 1 + 5 + 1  # header, 5 rows, the last line's end
    assert "'=cmd;Listesen" in text
    assert "Gennem gruppen Klinikken" in text and ";R000" in text
    for user in users:
        assert user.cpr not in text and user.cpr.replace("-", "") not in text


def test_rights_of_another_organisation_never_show(admin_client, organisation, other):
    _people_with_rights(organisation, 2)
    stranger = UserFactory(organisation=other, first_name="Fremmed", last_name="Hemmeligsen")
    UserRight.objects.create(user=stranger, service=_service("fmk"))
    foreign_group = UserGroup.objects.create(organisation=other, name="Fremmedgruppen")
    foreign_group.services.add(_service("skat"))
    foreign_group.members.add(stranger)
    for params in ({}, {"q": "Fremmed"}, {"source": "group"}, {"side": "sidste"}):
        page = admin_client.get(reverse("organisations:rights_held"), params).content.decode()
        assert "Hemmeligsen" not in page
        assert "Hemmeligsen" not in _text(
            admin_client.get(reverse("organisations:rights_held_csv"), params)
        )
    assert (
        admin_client.get(reverse("organisations:user_rights", args=[stranger.pk])).status_code
        == 404
    )


# --- Fuldmagter ----------------------------------------------------------------------------------


def _powers(organisation, partner, n, *, start=0):
    """``n`` powers given to ``partner`` and ``n`` received from it, each with two services; the
    received ones may be used by one of the organisation's users."""
    given = PowerOfAttorney.objects.bulk_create(
        PowerOfAttorney(
            giver=organisation,
            receiver_cvr=partner.cvr,
            receiver_name=f"Modtager {i:03}",
            created_by_name="Test",
        )
        for i in range(start, start + n)
    )
    received = PowerOfAttorney.objects.bulk_create(
        PowerOfAttorney(
            giver=partner,
            receiver_cvr=organisation.cvr,
            receiver=organisation,
            state=PowerOfAttorney.State.REQUESTED if i % 2 else PowerOfAttorney.State.ACTIVE,
            created_by_name="Test",
        )
        for i in range(start, start + n)
    )
    services_ = [_service("skat"), _service("eindkomst")]
    holder = UserFactory(organisation=organisation, first_name="Fuldmagtsbruger", last_name="Bo")
    for power in given + received:
        power.services.add(*services_)
    for power in received:
        power.users.add(holder)
    return given, received


@pytest.fixture
def partner():
    return OrganisationFactory(name="Revisorhuset Partner", cvr="12345674")


def _listed(client, **params):
    response = client.get(reverse("organisations:powers"), params)
    assert response.status_code == 200
    return response.context


def test_powers_filter_by_direction_and_state_and_search(admin_client, organisation, partner):
    given, received = _powers(organisation, partner, 4)
    PowerOfAttorney.objects.filter(pk=given[0].pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert _listed(admin_client)["page"].count == 8
    assert _listed(admin_client, direction="given")["page"].count == 4
    assert _listed(admin_client, direction="received")["page"].count == 4
    assert _listed(admin_client, state="requested")["page"].count == 2
    assert _listed(admin_client, state="expired")["page"].count == 1
    assert _listed(admin_client, state="active")["page"].count == 5
    # The other party: a receiver's name, the giver's name or CVR; a user who may use it.
    assert _listed(admin_client, q="Modtager 002")["page"].count == 1
    assert _listed(admin_client, q="Revisorhuset")["page"].count == 4
    assert _listed(admin_client, q=partner.cvr)["page"].count == 8
    assert _listed(admin_client, q="Fuldmagtsbruger")["page"].count == 4


def test_powers_sort_by_the_other_party_and_page_backwards(admin_client, organisation, partner):
    _powers(organisation, partner, 30)
    names = [
        row["power"].other_name
        for number in (1, 2, 3)
        for row in _listed(admin_client, direction="given", sort="-other", antal=25, side=number)[
            "rows"
        ]
    ][:30]
    assert names == sorted(names, reverse=True)
    assert len(set(names)) == 30


def test_powers_page_and_export_cost_the_same_at_3_and_60(admin_client, organisation, partner):
    page, csv = reverse("organisations:powers"), reverse("organisations:powers_csv")
    asks = [
        (page, {}),
        (page, {"antal": 25, "side": "sidste"}),
        (page, {"q": "Fuldmagtsbruger", "sort": "valid_until"}),
        (csv, {}),
        (csv, {"direction": "received", "state": "active"}),
    ]
    _powers(organisation, partner, 2)
    few = [_queries(admin_client, url, params) for url, params in asks]
    _powers(organisation, partner, 28, start=2)
    many = [_queries(admin_client, url, params) for url, params in asks]
    assert few == many


def test_powers_export_follows_the_filter(admin_client, organisation, partner):
    _powers(organisation, partner, 2)
    PowerOfAttorney.objects.filter(receiver_name="Modtager 000").update(receiver_name="=evil")
    text = _text(admin_client.get(reverse("organisations:powers_csv"), {"direction": "given"}))
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[0].split(";")[:3] == ["Anden organisation", "CVR-nummer", "Retning"]
    assert len(lines) == 1 + 2 + 1
    assert "'=evil" in text
    assert "eIndkomst" in text and "TastSelv Erhverv (Skat)" in text
    assert "Modtaget" not in text


def test_powers_of_other_organisations_never_show(admin_client, organisation, partner):
    _powers(organisation, partner, 1)
    third = OrganisationFactory(name="Tredje Part ApS")
    foreign = PowerOfAttorney.objects.create(
        giver=third, receiver_cvr=partner.cvr, receiver_name="Skjult Hemmelig", created_by_name="X"
    )
    for params in ({}, {"q": "Skjult"}, {"q": third.cvr}, {"side": "sidste"}):
        assert (
            "Hemmelig"
            not in admin_client.get(reverse("organisations:powers"), params).content.decode()
        )
        assert "Hemmelig" not in _text(
            admin_client.get(reverse("organisations:powers_csv"), params)
        )
    assert admin_client.get(reverse("organisations:power", args=[foreign.pk])).status_code == 404
