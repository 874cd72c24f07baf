"""Read queries of organisations and roles."""

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils import timezone

from mitid_portal.audit import AuditAction, audit_action_label
from mitid_portal.identity import UserState
from mitid_portal.models import AuditEvent
from organisations.models import (
    ConnectionRequest,
    Organisation,
    PowerOfAttorney,
    PublicService,
    RoleGrant,
    UserGroup,
    UserRight,
)

# The means an organisation offers (its settings, G3.7–G3.9, G3.12), in the guide's order.
PRIVATE = "private"  # private MitID at work
DEVICE_MEANS = ["app", "kodeviser", "kodeoplaeser", "chip"]


def organisation_device_means(organisation: Organisation) -> list[str]:
    """The device kinds the organisation allows, in the guide's order. An organisation that has
    not chosen yet allows the MitID app, which the setup pre-selects (G3.8)."""
    allowed = organisation.allowed_means or ["app"]
    return [m for m in DEVICE_MEANS if m in allowed]


def organisation_offered_means(organisation: Organisation) -> list[str]:
    """Every means an administrator may choose for a user: the allowed devices, and private
    MitID when the organisation allows it at work (G3.9, G5.5)."""
    means = organisation_device_means(organisation)
    return [PRIVATE, *means] if organisation.allow_private_mitid else means


def organisation_default_means(organisation: Organisation) -> list[str]:
    """The preferred means (the star, G3.12) when it is allowed, else the first allowed one."""
    devices = organisation_device_means(organisation)
    preferred = organisation.preferred_means
    return [preferred] if preferred in devices else devices[:1]


def roles_of(*, user) -> set[str]:
    """The roles a user holds in their own organisation."""
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return set()
    return set(
        RoleGrant.objects.filter(user=user, organisation_id=user.organisation_id).values_list(
            "role", flat=True
        )
    )


def organisation_is_connected(*, cvr: str) -> bool:
    return Organisation.objects.filter(cvr=cvr).exists()


def connections_of_person(*, cpr_hash: str) -> QuerySet[ConnectionRequest]:
    return ConnectionRequest.objects.filter(requester_cpr_hash=cpr_hash)


def role_grants(*, organisation: Organisation) -> QuerySet[RoleGrant]:
    return (
        RoleGrant.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name")
    )


def organisation_user_counts(*, organisation: Organisation) -> dict[str, int]:
    """Users by state, and the total that the price is based on (closed users excluded)."""
    rows = organisation.users.values("state").annotate(n=Count("id")).order_by()
    counts = {row["state"]: row["n"] for row in rows}
    counts["billable"] = sum(n for state, n in counts.items() if state != UserState.CLOSED)
    return counts


def latest_import_run(*, organisation: Organisation):
    """The organisation's newest NemID import run (``users.ImportRun``, newest first), or None."""
    return organisation.import_runs.first()


def setup_import_state(*, organisation: Organisation) -> str:
    """The NemID import as the setup sees it (G3.5–G3.6): 'running' while one is queued or runs,
    else 'done' once any import has gone through, 'failed' when the only ones failed, '' when
    none was started."""
    states = set(organisation.import_runs.values_list("state", flat=True))
    if states & {"queued", "running"}:
        return "running"
    if "done" in states:
        return "done"
    return "failed" if states else ""


def user_rights_rows(*, user) -> list[dict]:
    """Each service the user holds, by name: ``right`` is the direct right (with its NemID RID,
    if imported) or None, ``groups`` the user groups that carry it. Shown on *Brugerinformation*,
    the user's rights page and *Anmod om rettighed*. Two queries whatever the number of rights
    and groups."""
    rows: dict[int, dict] = {}
    for right in UserRight.objects.filter(user=user).select_related("service"):
        rows[right.service_id] = {"service": right.service, "right": right, "groups": []}
    groups = (
        UserGroup.objects.filter(members=user)
        .order_by("name", "id")
        .prefetch_related(Prefetch("services", queryset=PublicService.objects.order_by("name")))
    )
    for group in groups:
        for service in group.services.all():
            row = rows.setdefault(service.pk, {"service": service, "right": None, "groups": []})
            row["groups"].append(group)
    return sorted(rows.values(), key=lambda row: row["service"].name)


# --- Lists fit for thousands (Revisionslog, Tildelte rettigheder, Fuldmagter) ------------------
# A page is read with one COUNT and one slice whatever the list's length; a page in the list's
# back half is read in the reverse order from the end, so the last page of a long list does not
# make the database step over every row before it (OFFSET). The orders are (sort key, …, id), so
# that the reversed order is exactly the same rows backwards.

PAGE_SIZES = (25, 50, 100, 200)


@dataclass
class ListPage:
    """One page of a list, shaped like Django's ``Page`` for the templates (``page.paginator``
    is the page itself: ``count`` and ``num_pages``)."""

    object_list: list
    number: int
    num_pages: int
    count: int
    size: int

    def __iter__(self) -> Iterator:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def paginator(self) -> "ListPage":
        return self

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.count else 0

    def end_index(self) -> int:
        return min(self.number * self.size, self.count)


def order_reversed(order: Sequence[str]) -> list[str]:
    """``order`` backwards: every field's direction turned."""
    return [field[1:] if field.startswith("-") else f"-{field}" for field in order]


def list_page(queryset: QuerySet, *, order: Sequence[str], number: int, size: int) -> ListPage:
    """Page ``number`` (clipped to the list) of ``size`` rows of ``queryset`` in ``order``: two
    queries (the count and the rows) plus the queryset's own prefetches. A page past the middle
    is read from the end in the reversed order (a short OFFSET from the end) and turned round."""
    count = queryset.order_by().count()
    num_pages = max(1, -(-count // size))
    number = min(max(1, number), num_pages)
    offset = (number - 1) * size
    if offset * 2 > count:
        take = min(size, count - offset)
        from_end = count - offset - take
        rows = list(queryset.order_by(*order_reversed(order))[from_end : from_end + take])
        rows.reverse()
    else:
        rows = list(queryset.order_by(*order)[offset : offset + size])
    return ListPage(object_list=rows, number=number, num_pages=num_pages, count=count, size=size)


def audit_events(
    *,
    organisation: Organisation,
    search: str = "",
    actor: str = "",
    action: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The organisation's audit events (newest first), filtered; only the columns shown are read
    (no join, so the cost does not depend on who the actors are). ``search`` finds the text in
    the actor's name, whom the act concerns, or the act's name in the current language or code."""
    events = AuditEvent.objects.filter(organisation=organisation)
    if actor:
        events = events.filter(actor_name__icontains=actor)
    if action:
        events = events.filter(action=action)
    search = search.strip()
    if search:
        folded = search.casefold()
        codes = [
            code
            for code in AuditAction.values
            if folded in audit_action_label(code).casefold() or folded in code
        ]
        events = events.filter(
            Q(actor_name__icontains=search)
            | Q(target__icontains=search)
            | Q(action__in=codes)
            | Q(action__icontains=search)
        )
    tz = timezone.get_current_timezone()
    if date_from:
        start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
        events = events.filter(created_at__gte=start)
    if date_to:
        end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
        events = events.filter(created_at__lt=end.replace(tzinfo=tz))
    return events.only(
        "id", "actor_name", "action", "target", "changes", "ip_address", "created_at"
    ).order_by("-created_at", "-id")


def audit_actions_used(*, organisation: Organisation) -> list[str]:
    """The action codes the organisation's log holds (the filter offers them all)."""
    return list(
        AuditEvent.objects.filter(organisation=organisation)
        .order_by()
        .values_list("action", flat=True)
        .distinct()
    )


RIGHT_DIRECT = "direct"
RIGHT_GROUP = "group"


def rights_held(
    *,
    organisation: Organisation,
    search: str = "",
    service: PublicService | None = None,
    source: str = "",
) -> QuerySet:
    """Every right to a public service that the organisation's users (not closed) hold, one row
    per user, service and source: held directly (``group_name`` empty, ``rid`` the NemID RID it
    came from) or through a user group. Rows are dicts; ``search`` finds the service's name or
    code, or the user's name, email, bruger-ID or RID. One query (a UNION) whatever the size."""
    fields = [
        "user_id",
        "first_name",
        "last_name",
        "email",
        "bruger_id",
        "service_name",
        "service_code",
        "group_name",
        "rid",
    ]
    user_fields = {
        "first_name": F("user__first_name"),
        "last_name": F("user__last_name"),
        "email": F("user__email"),
        "bruger_id": F("user__bruger_id"),
        "user_rid": F("user__rid"),
        "search_name": Concat("user__first_name", Value(" "), "user__last_name"),
    }
    direct = (
        UserRight.objects.filter(user__organisation=organisation)
        .exclude(user__state=UserState.CLOSED)
        .annotate(
            **user_fields,
            service_ref=F("service_id"),
            service_name=F("service__name"),
            service_code=F("service__code"),
            group_name=Value("", output_field=CharField()),
            rid=F("from_rid"),
        )
    )
    # One join to the group's services: every filter below is on these annotations, so that
    # it cannot add a second join (a filter across a many-valued relation would).
    through_group = (
        UserGroup.members.through.objects.filter(usergroup__organisation=organisation)
        .exclude(user__state=UserState.CLOSED)
        .annotate(
            **user_fields,
            service_ref=F("usergroup__services__id"),
            service_name=F("usergroup__services__name"),
            service_code=F("usergroup__services__code"),
            group_name=F("usergroup__name"),
            rid=Value("", output_field=CharField()),
        )
        .filter(service_ref__isnull=False)
    )
    if service is not None:
        direct = direct.filter(service_ref=service.pk)
        through_group = through_group.filter(service_ref=service.pk)
    search = search.strip()
    if search:
        found = (
            Q(service_name__icontains=search)
            | Q(service_code__icontains=search)
            | Q(search_name__icontains=search)
            | Q(email__icontains=search)
            | Q(bruger_id__icontains=search)
            | Q(user_rid__icontains=search)
        )
        direct = direct.filter(found)
        through_group = through_group.filter(found)
    if source == RIGHT_DIRECT:
        return direct.values(*fields)
    if source == RIGHT_GROUP:
        return through_group.values(*fields)
    return direct.values(*fields).union(through_group.values(*fields), all=True)


def powers_listed(
    *,
    organisation: Organisation,
    search: str = "",
    state: str = "",
    direction: str = "",
) -> QuerySet[PowerOfAttorney]:
    """The organisation's powers of attorney (given and received) for *Fuldmagter*, filtered:
    ``direction`` 'given' or 'received', ``state`` a state or 'expired', ``search`` the other
    party's name or CVR, or the name, email or bruger-ID of a user who may use it. The other
    party is annotated as ``other_name`` and ``other_cvr`` (so that it can be sorted on)."""
    given = Q(giver=organisation)
    received = Q(receiver_cvr=organisation.cvr)
    powers = PowerOfAttorney.objects.filter(given | received)
    if direction == "given":
        powers = powers.filter(given)
    elif direction == "received":
        powers = powers.filter(received)
    today = timezone.localdate()
    if state == "expired":
        powers = powers.filter(state=PowerOfAttorney.State.ACTIVE, valid_until__lt=today)
    elif state == PowerOfAttorney.State.ACTIVE:
        powers = powers.filter(state=state).exclude(valid_until__lt=today)
    elif state:
        powers = powers.filter(state=state)
    powers = powers.annotate(
        other_name=Case(
            When(
                giver=organisation,
                then=Coalesce(NullIf("receiver_name", Value("")), "receiver_cvr"),
            ),
            default=F("giver__name"),
            output_field=CharField(),
        ),
        other_cvr=Case(
            When(giver=organisation, then=F("receiver_cvr")),
            default=F("giver__cvr"),
            output_field=CharField(),
        ),
    )
    search = search.strip()
    if search:
        users = (
            get_user_model()
            .objects.filter(organisation=organisation)
            .annotate(search_name=Concat("first_name", Value(" "), "last_name"))
            .filter(
                Q(search_name__icontains=search)
                | Q(email__icontains=search)
                | Q(bruger_id__icontains=search)
            )
        )
        holders = PowerOfAttorney.users.through.objects.filter(user__in=users).values(
            "powerofattorney_id"
        )
        powers = powers.filter(
            Q(other_name__icontains=search) | Q(other_cvr__icontains=search) | Q(pk__in=holders)
        )
    return (
        powers.select_related("giver")
        .prefetch_related(Prefetch("services", queryset=PublicService.objects.order_by("name")))
        .annotate(user_count=Count("users", distinct=True))
        .order_by("-created_at", "-id")
    )
