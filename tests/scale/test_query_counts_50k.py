"""Issue 14, "Administrators of thousands": the query count of every list page, its CSV export and
every bulk action's confirm page is the same for an organisation of 100 users as for one of
50,000.

Three organisations are built with bulk inserts (``mitid_portal.bulk.BulkInserter``: COPY on
PostgreSQL, ``executemany`` or multi-row INSERT on SQLite; never a factory per row), each with the
same mix: users imported from NemID (some without a RID), users awaiting activation with a live
invitation (a tenth of all with a birth date only and a code not shown yet) and the activation
email in the outbox (sent, failed, queued, retrying; some without an address), active users with
a last login and a bruger-ID, suspended users; a right held directly by every imported and active
user, a group carrying a right with half the active users as members, user administrators, an
audit event per user, powers of attorney both ways, an import run with a report row per user, a
finished bulk job with an item per user and pending right requests.

Then the organisation's administrator asks for every page below: lists (first page, last page,
a search, filters, sorts), CSV exports (the streamed body read to the end inside the count),
and for every bulk action the POST of the selection "all N matching" and the confirm page it
leads to, the bulk activation's steps, the codes sheet revealed as CSV. A warm-up organisation
(20 users) is asked each view once first, so that whatever a process fills once (caches, lazy
imports) is filled before the two compared organisations are asked everything, in one order.

One test builds the worlds and asks everything inside the test's own transaction (rolled back
afterwards, on SQLite as on PostgreSQL, under pytest-xdist as alone); its failure names every
page whose count differs, with both counts and the queries that differ.
"""

import datetime
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.paginator import Page
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, ContextList
from django.urls import reverse
from django.utils import timezone

from activation.models import BulkJob, BulkJobItem, Invitation
from activation.services.start import CODE_PURPOSE
from mitid_portal import crypto
from mitid_portal.bulk import BulkInserter
from mitid_portal.listing import ListPage
from mitid_portal.models import AuditEvent, OutboundEmail
from mitid_portal.validators import bruger_id_key
from organisations import services as organisation_services
from organisations.models import (
    Organisation,
    PowerOfAttorney,
    PublicService,
    RightRequest,
    RoleGrant,
    UserGroup,
    UserRight,
)
from tests.activation.factories import SetUpOrganisationFactory
from tests.factories import OrganisationFactory, UserFactory, fictitious_cpr
from users import report
from users.models import ImportReportRow, ImportRun, User, new_username

pytestmark = pytest.mark.django_db

WARM, SMALL, LARGE = 20, 100, 50_000

FIRST = ["Mette", "Bo", "Anne", "Jens", "Lise", "Peter", "Hanne", "Søren", "Kirsten", "Lars"]
LAST = ["Andersen", "Hansen", "Jensen", "Nielsen", "Pedersen", "Sørensen", "Møller", "Holm"]
ACTIONS = ["user_updated", "user_suspended", "user_closed", "nemid_import"]


@dataclass
class World:
    size: int
    organisation: Organisation
    admin: User
    cpr: str  # the CPR number of an imported user (a search by its keyed hash)
    active_cpr: str  # and of an active one
    group: UserGroup
    fmk: PublicService
    job: BulkJob
    run: ImportRun


def _prep(model, name: str, value):
    """A value in the database's form (dates and times differ between SQLite and PostgreSQL)."""
    if value is None:
        return None
    return model._meta.get_field(name).get_db_prep_save(value, connection=connection)


def _users(organisation, template: dict, varying: list[str], rows: list[tuple]) -> list[int]:
    if not rows:
        return []
    inserter = BulkInserter(
        User,
        template=User(
            organisation=organisation, password="!", date_joined=timezone.now(), **template
        ),
        varying=["username", *varying],
    )
    return inserter.insert_returning([(new_username(), *row) for row in rows], batch_size=2000)


def _insert(model, template, varying: list[str], rows) -> None:
    BulkInserter(model, template=template, varying=varying).insert(rows)


def build(size: int, offset: int) -> World:
    """An organisation of ``size`` users (the administrator besides), the mix of the docstring;
    ``offset`` keeps the NemID employee ids and CPR numbers of the organisations apart."""
    now = timezone.now()
    organisation = SetUpOrganisationFactory(name=f"Skalahuset {size} A/S")
    admin = UserFactory(
        organisation=organisation,
        first_name="Hanne",
        last_name="Administrator",
        state=User.State.ACTIVE,
        last_login=now,
    )
    for role in RoleGrant.Role.values:
        RoleGrant.objects.create(organisation=organisation, user=admin, role=role)
    fmk = PublicService.objects.get(code="fmk")
    nemrefusion = PublicService.objects.get(code="nemrefusion")

    def name(i):
        return FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]

    def email(i):
        return f"b{i}.{organisation.cvr}@skala.example.dk"

    def cpr(i):
        return fictitious_cpr(offset + i)

    encrypt, hash_cpr = crypto.encrypt, crypto.cpr_hash
    kinds: dict[str, list[int]] = {k: [] for k in ("imp", "norid", "await", "birth", "act", "sus")}
    for i in range(size):
        kinds[
            ["imp", "imp", "norid", "await", "await", "birth", "act", "act", "act", "sus"][i % 10]
        ].append(i)

    ids: dict[str, list[int]] = {}
    cpr_cols = ["first_name", "last_name", "email", "rid", "cpr", "cpr_hash"]

    def person(i, *, rid: str | None = None, address: str | None = None):
        c = cpr(i)
        return (
            *name(i),
            email(i) if address is None else address,
            str(100000 + i) if rid is None else rid,
            encrypt(c),
            hash_cpr(c),
        )

    imported = {"state": User.State.IMPORTED, "means": []}
    ids["imp"] = _users(
        organisation,
        imported,
        [*cpr_cols, "nemid_employee_id"],
        [(*person(i), offset + i) for i in kinds["imp"]],
    )
    ids["norid"] = _users(
        organisation,
        imported,
        [*cpr_cols, "nemid_employee_id"],
        [(*person(i, rid=""), offset + i) for i in kinds["norid"]],
    )
    awaiting = {"state": User.State.AWAITING, "means": ["app"]}
    # Every fifth of those awaiting with a CPR number has no email address (no email queued).
    addresses = {i: "" if n % 5 == 4 else email(i) for n, i in enumerate(kinds["await"])}
    ids["await"] = _users(
        organisation,
        awaiting,
        cpr_cols,
        [person(i, address=addresses[i]) for i in kinds["await"]],
    )
    ids["birth"] = _users(
        organisation,
        {**awaiting, "means": ["kodeviser"]},
        ["first_name", "last_name", "email", "rid", "birth_date"],
        [
            (
                *name(i),
                email(i),
                str(100000 + i),
                _prep(User, "birth_date", datetime.date(1980, 1, 1 + i % 28)),
            )
            for i in kinds["birth"]
        ],
    )
    ids["act"] = _users(
        organisation,
        {"state": User.State.ACTIVE, "means": ["app"]},
        [*cpr_cols, "last_login", "bruger_id", "bruger_id_key"],
        [
            (
                *person(i),
                _prep(User, "last_login", now - datetime.timedelta(days=i % 200, minutes=i)),
                f"skala.{organisation.cvr}.{i}",
                bruger_id_key(f"skala.{organisation.cvr}.{i}"),
            )
            for i in kinds["act"]
        ],
    )
    ids["sus"] = _users(
        organisation,
        {"state": User.State.SUSPENDED, "means": ["app"]},
        [*cpr_cols, "last_login"],
        [
            (*person(i), _prep(User, "last_login", now - datetime.timedelta(days=300)))
            for i in kinds["sus"]
        ],
    )

    # Live invitations, expiring over the next 30 days; the birth-date users' codes not shown.
    pending = [
        (pk, addresses[i], False) for pk, i in zip(ids["await"], kinds["await"], strict=True)
    ]
    pending += [(pk, email(i), True) for pk, i in zip(ids["birth"], kinds["birth"], strict=True)]
    hashed = crypto.keyed_hasher(CODE_PURPOSE)
    invitation_ids = BulkInserter(
        Invitation,
        template=Invitation(
            organisation=organisation,
            means=["app"],
            state=Invitation.State.LIVE,
            created_by_name="Hanne Administrator",
            created_at=now,
            expires_at=now,
        ),
        varying=["user_id", "token_hash", "code_hash", "expires_at"],
    ).insert_returning(
        [
            (
                pk,
                f"skala-{organisation.pk}-{pk}",
                hashed(f"{pk:08d}") if birth else "",
                _prep(Invitation, "expires_at", now + datetime.timedelta(days=1 + n % 30)),
            )
            for n, (pk, _address, birth) in enumerate(pending)
        ],
        batch_size=2000,
    )
    states = [OutboundEmail.State.SENT, OutboundEmail.State.FAILED, OutboundEmail.State.QUEUED]
    sent_at = _prep(OutboundEmail, "sent_at", now)
    _insert(
        OutboundEmail,
        OutboundEmail(to="x@example.dk", subject="Aktivér din MitID Erhverv", body_text="Link"),
        ["to", "event_key", "state", "attempts", "last_error", "sent_at"],
        [
            (
                address,
                f"activation-link-{invitation}",
                states[n % 3],
                (1, 8, n % 3)[n % 3],  # queued: some retrying after a timeout
                ("", "SMTPRecipientsRefused: 550", "" if n % 2 else "timeout")[n % 3],
                sent_at if n % 3 == 0 else None,
            )
            for n, (invitation, (_pk, address, _birth)) in enumerate(
                zip(invitation_ids, pending, strict=True)
            )
            if address
        ],
    )

    # Rights: FMK held directly by every imported and active user; NemRefusion through a group
    # of every other active user; a small second group; user administrators; right requests.
    holders = ids["imp"] + ids["norid"] + ids["act"]
    _insert(
        UserRight,
        UserRight(service=fmk, granted_by_name="NemID"),
        ["user_id", "from_rid"],
        [(pk, f"R{pk}") for pk in holders],
    )
    group = UserGroup.objects.create(organisation=organisation, name="Klinikken")
    group.services.add(nemrefusion)
    _insert(
        UserGroup.members.through,
        UserGroup.members.through(usergroup_id=group.pk),
        ["user_id"],
        [(pk,) for pk in ids["act"][::2]],
    )
    small = UserGroup.objects.create(organisation=organisation, name="Ledelsen")
    small.members.add(admin, *ids["act"][:3])
    RoleGrant.objects.bulk_create(
        RoleGrant(organisation=organisation, user_id=pk, role=RoleGrant.Role.USER_ADMIN)
        for pk in ids["act"][::30]
    )
    RightRequest.objects.bulk_create(
        RightRequest(organisation=organisation, user_id=pk, service=nemrefusion, reason="Recepter")
        for pk in ids["act"][1::300]
    )

    # One audit event per user, by the administrator.
    _insert(
        AuditEvent,
        AuditEvent(
            organisation=organisation,
            cvr=organisation.cvr,
            actor_name="Hanne Administrator",
            actor_user=admin,
            action="user_updated",
            ip_address="10.0.0.1",
        ),
        ["action", "target"],
        [(ACTIONS[i % len(ACTIONS)], f"{' '.join(name(i))} {i}") for i in range(size)],
    )

    # Powers of attorney: one given and one received per hundred users, two services each; the
    # received ones may be used by one of the active users.
    partner = OrganisationFactory(name=f"Revisorhuset Partner {size}")
    count = max(2, size // 100)
    given = PowerOfAttorney.objects.bulk_create(
        PowerOfAttorney(
            giver=organisation,
            receiver_cvr=partner.cvr,
            receiver_name=f"Modtager {n:04}",
            created_by_name="Hanne Administrator",
            valid_until=timezone.localdate() + datetime.timedelta(days=n % 400 - 20),
        )
        for n in range(count)
    )
    received = PowerOfAttorney.objects.bulk_create(
        PowerOfAttorney(
            giver=partner,
            receiver_cvr=organisation.cvr,
            receiver=organisation,
            state=PowerOfAttorney.State.REQUESTED if n % 2 else PowerOfAttorney.State.ACTIVE,
            created_by_name="Partner",
        )
        for n in range(count)
    )
    services_ = list(PublicService.objects.filter(code__in=["skat", "eindkomst"]))
    PowerOfAttorney.services.through.objects.bulk_create(
        PowerOfAttorney.services.through(powerofattorney_id=power.pk, publicservice_id=s.pk)
        for power in given + received
        for s in services_
    )
    PowerOfAttorney.users.through.objects.bulk_create(
        PowerOfAttorney.users.through(powerofattorney_id=power.pk, user_id=ids["act"][0])
        for power in received
    )

    # The NemID import's report: a row per user, a third needing attention.
    run = ImportRun.objects.create(
        organisation=organisation,
        started_by_name="Hanne Administrator",
        state=ImportRun.State.DONE,
        total=size,
        processed=size,
        imported=size - size // 3,
        skipped=size // 3,
        finished_at=now,
    )
    _insert(
        ImportReportRow,
        ImportReportRow(run=run),
        ["rid", "name", "outcome", "reason", "needs_attention"],
        [
            (
                str(100000 + i),
                " ".join(name(i)),
                report.SKIPPED if i % 3 == 0 else report.IMPORTED,
                report.REASON_DUPLICATE if i % 3 == 0 else "",
                i % 3 == 0,
            )
            for i in range(size)
        ],
    )

    # A finished bulk job with an item per listed user: its receipt and CSV.
    everyone = [pk for kind in ("await", "birth", "act", "sus") for pk in ids[kind]]
    job = BulkJob.objects.create(
        organisation=organisation,
        action="reactivate",
        source="brugere",
        state=BulkJob.State.DONE,
        total=len(everyone),
        processed=len(everyone),
        created_by=admin,
        created_by_name="Hanne Administrator",
        started_at=now,
        finished_at=now,
    )
    outcomes = [
        (BulkJobItem.Outcome.OK, ""),
        (BulkJobItem.Outcome.SKIPPED, "Brugeren er allerede aktiv."),
        (BulkJobItem.Outcome.FAILED, "Du kan ikke suspendere eller lukke din egen bruger."),
    ]
    _insert(
        BulkJobItem,
        BulkJobItem(job=job, done=True, done_at=now),
        ["user_id", "outcome", "reason"],
        [(pk, *outcomes[n % 3]) for n, pk in enumerate(everyone)],
    )
    return World(
        size=size,
        organisation=organisation,
        admin=admin,
        cpr=cpr(kinds["imp"][0]),
        active_cpr=cpr(kinds["act"][0]),
        group=group,
        fmk=fmk,
        job=job,
        run=run,
    )


# --- What is asked ---------------------------------------------------------------------------

Ask = tuple[str, str, dict[str, Any]]  # method, URL, GET or POST data


def _get(name: str, params: dict | None = None, *args) -> Callable[[World], Ask]:
    return lambda w: ("GET", reverse(name, args=[a(w) for a in args]), dict(params or {}))


def _get_with(name: str, params: Callable[[World], dict]) -> Callable[[World], Ask]:
    return lambda w: ("GET", reverse(name), params(w))


LIST_PAGES: list[tuple[str, Callable[[World], Ask]]] = [
    # Brugere
    ("Brugere", _get("users:list")),
    ("Brugere, last page", _get("users:list", {"side": "sidste", "antal": "25"})),
    ("Brugere, page 2 of 100", _get("users:list", {"side": "2", "antal": "100"})),
    ("Brugere, search name", _get("users:list", {"q": "søren"})),
    ("Brugere, search email", _get("users:list", {"q": "b6."})),
    # A search for a CPR number is redirected to its keyed hash (?cpr=): the list's own page.
    (
        "Brugere, search CPR",
        _get_with("users:list", lambda w: {"cpr": crypto.cpr_hash(w.active_cpr)}),
    ),
    ("Brugere, sort -navn", _get("users:list", {"sort": "-navn"})),
    ("Brugere, sort email", _get("users:list", {"sort": "email"})),
    ("Brugere, sort rid", _get("users:list", {"sort": "rid"})),
    ("Brugere, sort login", _get("users:list", {"sort": "login", "side": "sidste"})),
    ("Brugere, sort -status", _get("users:list", {"sort": "-status"})),
    ("Brugere, state", _get("users:list", {"state": "suspended"})),
    ("Brugere, means", _get("users:list", {"means": "app", "sort": "email"})),
    ("Brugere, role", _get("users:list", {"role": RoleGrant.Role.USER_ADMIN})),
    ("Brugere, group", _get_with("users:list", lambda w: {"group": w.group.pk})),
    ("Brugere, right", _get_with("users:list", lambda w: {"right": w.fmk.pk})),
    ("Brugere, origin", _get("users:list", {"origin": "created"})),
    ("Brugere, login before", _get("users:list", {"login_before": "2030-01-01"})),
    ("Brugere CSV", _get("users:list_export")),
    ("Brugere CSV, search sort", _get("users:list_export", {"q": "jens", "sort": "rid"})),
    ("Brugere CSV, state", _get("users:list_export", {"state": "active", "means": "app"})),
    # Importerede brugere
    ("Importerede", _get("users:imported")),
    ("Importerede, last page", _get("users:imported", {"side": "sidste", "antal": "25"})),
    ("Importerede, search", _get("users:imported", {"q": "hansen"})),
    (
        "Importerede, search CPR",
        _get_with("users:imported", lambda w: {"cpr": crypto.cpr_hash(w.cpr)}),
    ),
    ("Importerede, sort -rid", _get("users:imported", {"sort": "-rid"})),
    ("Importerede, sort email", _get("users:imported", {"sort": "email", "side": "2"})),
    ("Importerede CSV", _get("users:imported_export")),
    ("Importerede CSV, search", _get("users:imported_export", {"q": "bo"})),
    # Afventer aktivering
    ("Afventer", _get("activation:pending")),
    ("Afventer, last page", _get("activation:pending", {"side": "sidste", "antal": "25"})),
    ("Afventer, search", _get("activation:pending", {"q": "jens"})),
    ("Afventer, expiring", _get("activation:pending", {"udloeber": "7"})),
    ("Afventer, means", _get("activation:pending", {"means": "app", "sort": "-navn"})),
    ("Afventer, sort -udloeber", _get("activation:pending", {"sort": "-udloeber"})),
    ("Afventer, sort email", _get("activation:pending", {"sort": "email", "side": "sidste"})),
    ("Afventer CSV", _get("activation:pending_export")),
    ("Afventer CSV, expiring", _get("activation:pending_export", {"udloeber": "7"})),
    # Revisionslog
    ("Revisionslog", _get("organisations:audit_log")),
    ("Revisionslog, last page", _get("organisations:audit_log", {"side": "sidste", "antal": 25})),
    ("Revisionslog, search", _get("organisations:audit_log", {"q": "Mette"})),
    ("Revisionslog, act", _get("organisations:audit_log", {"action": "user_suspended"})),
    ("Revisionslog, person", _get("organisations:audit_log", {"person": "Hanne"})),
    ("Revisionslog, sort actor", _get("organisations:audit_log", {"sort": "actor"})),
    ("Revisionslog, sort -action", _get("organisations:audit_log", {"sort": "-action"})),
    ("Revisionslog CSV", _get("organisations:audit_log_csv")),
    (
        "Revisionslog CSV, filter",
        _get("organisations:audit_log_csv", {"sort": "actor", "action": "user_closed"}),
    ),
    # Tildelte rettigheder
    ("Tildelte rettigheder", _get("organisations:rights_held")),
    (
        "Tildelte rettigheder, last page",
        _get("organisations:rights_held", {"side": "sidste", "antal": 25}),
    ),
    ("Tildelte rettigheder, search", _get("organisations:rights_held", {"q": "Jensen"})),
    ("Tildelte rettigheder, group", _get("organisations:rights_held", {"source": "group"})),
    ("Tildelte rettigheder, direct", _get("organisations:rights_held", {"source": "direct"})),
    (
        "Tildelte rettigheder, service",
        _get_with("organisations:rights_held", lambda w: {"service": w.fmk.pk}),
    ),
    ("Tildelte rettigheder, sort service", _get("organisations:rights_held", {"sort": "service"})),
    ("Tildelte rettigheder, sort -source", _get("organisations:rights_held", {"sort": "-source"})),
    ("Tildelte rettigheder CSV", _get("organisations:rights_held_csv")),
    ("Tildelte rettigheder CSV, group", _get("organisations:rights_held_csv", {"source": "group"})),
    # Fuldmagter
    ("Fuldmagter", _get("organisations:powers")),
    ("Fuldmagter, last page", _get("organisations:powers", {"side": "sidste", "antal": 25})),
    ("Fuldmagter, given", _get("organisations:powers", {"direction": "given"})),
    ("Fuldmagter, requested", _get("organisations:powers", {"state": "requested"})),
    ("Fuldmagter, search", _get("organisations:powers", {"q": "Modtager 00"})),
    ("Fuldmagter, sort other", _get("organisations:powers", {"sort": "other"})),
    ("Fuldmagter, sort valid_until", _get("organisations:powers", {"sort": "valid_until"})),
    ("Fuldmagter CSV", _get("organisations:powers_csv")),
    (
        "Fuldmagter CSV, filter",
        _get("organisations:powers_csv", {"direction": "received", "state": "active"}),
    ),
    # Roller, Rettigheder, Brugergrupper, Anmodninger
    ("Roller", _get("organisations:roles")),
    ("Roller, page 2", _get("organisations:roles", {"side": "2"})),
    ("Rettigheder", _get("organisations:rights")),
    ("Rettigheder, search", _get("organisations:rights", {"q": "Lise", "side": "2"})),
    ("Brugergrupper", _get("organisations:groups")),
    ("Brugergruppe", _get("organisations:group", None, lambda w: w.group.pk)),
    ("Brugergruppe, page 2", _get("organisations:group", {"side": "2"}, lambda w: w.group.pk)),
    ("Brugergruppe, search", _get("organisations:group", {"q": "Peter"}, lambda w: w.group.pk)),
    ("Anmodninger", _get("organisations:right_requests")),
    # Levering af aktiveringsmails, Aktiveringskoder, Overblik
    ("Levering", _get("activation:delivery")),
    ("Levering, failed", _get("activation:delivery", {"status": "failed"})),
    ("Levering, page 2", _get("activation:delivery", {"side": "2"})),
    ("Levering CSV", _get("activation:delivery_csv")),
    ("Levering CSV, sent", _get("activation:delivery_csv", {"status": "sent"})),
    ("Aktiveringskoder", _get("activation:codes")),
    ("Aktiveringskoder, latest", _get("activation:codes", {"seneste": "1"})),
    ("Overblik", _get("activation:migration_overview")),
    # Importrapport, Massehandlinger (the list of jobs, a job's receipt and CSV)
    ("Importrapport", _get("users:import_run", None, lambda w: w.run.pk)),
    ("Importrapport, page 2", _get("users:import_run", {"side": "2"}, lambda w: w.run.pk)),
    ("Importrapport CSV", _get("users:import_report_csv", None, lambda w: w.run.pk)),
    ("Massehandlinger", _get("activation:bulk_action")),
    ("Kvittering", _get("activation:bulk_job", None, lambda w: w.job.pk)),
    (
        "Kvittering, skipped, last page",
        _get("activation:bulk_job", {"udfald": "skipped", "side": "sidste"}, lambda w: w.job.pk),
    ),
    ("Kvittering CSV", _get("activation:bulk_job_csv", None, lambda w: w.job.pk)),
]

# Every bulk action posted as "all N matching" from the list it is offered on, with a filter
# where the action is about some of them: (source, action, the list's filter).
BULK_ACTIONS: list[tuple[str, str, Callable[[World], dict]]] = [
    ("afventer", "resend", lambda w: {}),
    ("afventer", "remind", lambda w: {"udloeber": "20"}),
    ("afventer", "cancel", lambda w: {"q": "lise"}),
    ("brugere", "resend", lambda w: {"state": "awaiting"}),
    ("brugere", "suspend", lambda w: {"state": "active"}),
    ("brugere", "reactivate", lambda w: {"state": "suspended"}),
    ("brugere", "close", lambda w: {}),
    ("brugere", "role_add", lambda w: {"means": "app"}),
    ("brugere", "role_remove", lambda w: {"role": RoleGrant.Role.USER_ADMIN}),
    ("brugere", "group_add", lambda w: {"q": "hansen"}),
    ("brugere", "group_remove", lambda w: {"group": w.group.pk}),
    ("brugere", "right_add", lambda w: {"sort": "-navn"}),
    ("brugere", "right_remove", lambda w: {"right": w.fmk.pk}),
    ("importerede", "close", lambda w: {}),
    ("importerede", "suspend", lambda w: {"q": "mette"}),
]


# --- Counting ---------------------------------------------------------------------------------


@dataclass
class Counted:
    url: str
    queries: list[str]
    response: Any
    rows: int | None  # the rows a list or an export holds (None: neither)
    shown: int | None = None  # the rows on the page shown


def _page(response) -> Page | ListPage | None:
    """The page of a list the answer shows, if any."""
    contexts = response.context
    if contexts is None or response.streaming:
        return None
    for context in contexts if isinstance(contexts, ContextList) else [contexts]:
        for value in context.flatten().values():
            if isinstance(value, Page | ListPage):
                return value
    return None


def _request(client: Client, method: str, url: str, data: dict) -> Counted:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data) if method == "GET" else client.post(url, data)
        body = b"".join(response.streaming_content) if response.streaming else b""
    counted = Counted(
        f"{method} {url}" + (f"?{urlencode(data, doseq=True)}" if data else ""),
        [q["sql"] for q in captured.captured_queries],
        response,
        None,
    )
    if response.streaming:
        assert body.startswith(b"\xef\xbb\xbf"), url  # the BOM of the exports for Excel
        counted.rows = counted.shown = body.count(b"\r\n") - 1  # without the header
    elif (page := _page(response)) is not None:
        counted.rows, counted.shown = page.paginator.count, len(page.object_list)
    return counted


def _confirmed(counted: Counted, expected_url: str) -> None:
    assert counted.response.status_code == 302, (counted.url, counted.response.status_code)
    assert counted.response["Location"] == expected_url, (counted.url, counted.response["Location"])


def ask_everything(world: World, pages=LIST_PAGES) -> dict[str, Counted]:
    """Every page of the module's docstring, in one order, as the world's administrator."""
    client = Client()
    client.force_login(world.admin)
    client.get(reverse("users:list"))  # the session's first use
    counted: dict[str, Counted] = {}
    for label, ask in pages:
        counted[label] = _request(client, *ask(world))
        assert counted[label].response.status_code == 200, (label, counted[label].url)

    # Bulk actions: the POST of the selection "all matching" and the confirm page it leads to.
    for source, action, filter_ in BULK_ACTIONS:
        label = f"{action} from {source}"
        data = {"source": source, "action": action, "all_matching": "1"}
        post = _request(
            client,
            "POST",
            reverse("activation:bulk_action"),
            {**data, "filter": urlencode(filter_(world))},
        )
        job = BulkJob.objects.filter(organisation=world.organisation).latest("pk")
        confirm_url = reverse("activation:bulk_job_confirm", args=[job.pk])
        _confirmed(post, confirm_url)
        assert job.state == BulkJob.State.DRAFT and job.total > 0, label
        post.rows = post.shown = job.total
        counted[f"{label}: POST all matching"] = post
        confirm = _request(client, "GET", confirm_url, {})
        assert confirm.response.status_code == 200, (label, confirm.url)
        shown = re.search(r'data-testid="count">([^<]*)<', confirm.response.content.decode())
        assert shown and re.sub(r"\D", "", shown.group(1)) == str(job.total), label
        confirm.rows = confirm.shown = job.total
        counted[f"{label}: confirm page"] = confirm

    # Bulk activation from *Importerede brugere*: all matching, the means, the confirm page.
    start = _request(
        client, "POST", reverse("activation:bulk_start"), {"all_matching": "1", "q": ""}
    )
    _confirmed(start, reverse("activation:bulk_means"))
    counted["Aktivér brugere: POST all matching"] = start
    counted["Aktivér brugere: means page"] = _request(
        client, "GET", reverse("activation:bulk_means"), {}
    )
    means = _request(client, "POST", reverse("activation:bulk_means"), {"means": ["app"]})
    _confirmed(means, reverse("activation:bulk_confirm"))
    counted["Aktivér brugere: POST means"] = means
    counted["Aktivér brugere: confirm page"] = _request(
        client, "GET", reverse("activation:bulk_confirm"), {}
    )
    # The drafts just made are listed too.
    counted["Massehandlinger, with drafts"] = _request(
        client, "GET", reverse("activation:bulk_action"), {}
    )
    # Last, as it changes the world: every birth-date user's code revealed, as CSV.
    counted["Aktiveringskoder: reveal as CSV"] = _request(
        client, "POST", reverse("activation:codes"), {"format": "csv", "confirmed": "1"}
    )
    for label, item in counted.items():
        assert item.response.status_code in (200, 302), (label, item.url)
    return counted


# The bulk action's items are inserted in chunks of 2,000 users (``bulkjobs._INSERT_CHUNK``):
# one ``executemany`` per chunk on SQLite, one COPY (not in Django's query log) on PostgreSQL.
# Those statements write the selection itself, which grows with it by design; every other query
# of the POST must be the same at both sizes.
_ITEM_INSERT = re.compile(r'^\d+ times: INSERT INTO "activation_bulkjobitem"')


def _compared(label: str, counted: Counted) -> list[str]:
    if label.endswith(": POST all matching"):
        return [q for q in counted.queries if not _ITEM_INSERT.match(q)]
    return counted.queries


def _shape(sql: str) -> str:
    """A query without its literal numbers and strings, to show what differs."""
    return re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "'…'", sql))[:300]


# Pages whose rows do not grow with the organisation: its groups, and the bulk jobs (one each).
_FIXED_ROWS = {"Massehandlinger", "Massehandlinger, with drafts"}


def test_query_counts_are_the_same_for_100_and_50000_users():
    organisation_services.public_services_seed()
    worlds = [build(size, offset=n * 100_000) for n, size in enumerate((WARM, SMALL, LARGE))]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as after a real import
    assert User.objects.filter(organisation=worlds[2].organisation).count() == LARGE + 1
    # The warm-up: caches filled once per process (each view once, and every bulk step).
    views = {ask(worlds[0])[1]: (label, ask) for label, ask in reversed(LIST_PAGES)}
    ask_everything(worlds[0], pages=list(views.values()))
    small, large = ask_everything(worlds[1]), ask_everything(worlds[2])
    assert small.keys() == large.keys()

    # Every list and export shows rows at both sizes, and many more at 50,000.
    for label in small:
        few, many = small[label].rows, large[label].rows
        if few is None:
            continue
        assert few > 0 and many > 0, (label, small[label].url, few, many)
        assert small[label].shown and large[label].shown, (label, small[label].url)
        if label not in _FIXED_ROWS and "," not in label:  # unfiltered
            assert many > 10 * few, (label, large[label].url, few, many)

    differing = []
    for label in small:
        few, many = _compared(label, small[label]), _compared(label, large[label])
        if len(few) != len(many):
            diff = difflib.unified_diff(
                [_shape(q) for q in few], [_shape(q) for q in many], lineterm="", n=0
            )
            differing.append(
                f"{label}: {len(few)} queries at {SMALL} users ({small[label].url}), "
                f"{len(many)} at {LARGE:,} ({large[label].url})\n    "
                + "\n    ".join(list(diff)[2:40])
            )
    counts = "\n".join(
        f"  {label}: {len(_compared(label, small[label]))} / "
        f"{len(_compared(label, large[label]))} queries, "
        f"{small[label].rows} / {large[label].rows} rows – {small[label].url}"
        for label in small
    )
    assert not differing, "\n".join(differing) + f"\n\nAll ({SMALL} / {LARGE:,}):\n{counts}"
    print(f"\nQuery counts and rows at {SMALL} and {LARGE:,} users:\n{counts}")
