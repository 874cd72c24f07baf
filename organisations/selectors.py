"""Read queries of organisations and roles."""

import datetime

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
# Paged, sorted and sized by mitid_portal.listing. Each sort is the column's full ascending order,
# ending in fields that make it total, so that a back-half page read backwards from the end is
# exactly the same rows. Revisionslog's default, newest first, is read from the index
# (organisation_id, created_at DESC, id DESC) (migration organisations 0010).

AUDIT_SORTS: dict[str, tuple[str, ...]] = {
    "time": ("created_at", "id"),
    "actor": ("actor_name", "created_at", "id"),
    "action": ("action", "created_at", "id"),
}
AUDIT_DEFAULT_SORT = "-time"
RIGHTS_SORTS: dict[str, tuple[str, ...]] = {
    "user": ("last_name", "first_name", "user_id", "service_name", "service_code", "group_name"),
    "service": (
        "service_name",
        "service_code",
        "last_name",
        "first_name",
        "user_id",
        "group_name",
    ),
    "source": ("group_name", "last_name", "first_name", "user_id", "service_name", "service_code"),
}
RIGHTS_DEFAULT_SORT = "user"
POWERS_SORTS: dict[str, tuple[str, ...]] = {
    "other": ("other_name", "id"),
    "valid_until": ("valid_until", "id"),
    "state": ("state", "id"),
    "created": ("created_at", "id"),
}
POWERS_DEFAULT_SORT = "-created"


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
    # The organisation is the active sandbox's (request.organisation), and its id is unique
    # across sandboxes: without the sandbox manager's extra condition the count is read from
    # the index alone.
    events = AuditEvent._base_manager.filter(organisation=organisation)
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
        # Q(): django-stubs does not see annotations of a many-to-many's through model.
        .filter(Q(service_ref__isnull=False))
    )
    if service is not None:
        direct = direct.filter(service_ref=service.pk)
        through_group = through_group.filter(Q(service_ref=service.pk))
    search = search.strip()
    if search:
        found = (
            Q(service_name__icontains=search)
            | Q(service_code__icontains=search)
            | Q(search_name__icontains=search)
            | Q(email__icontains=search)
            | Q(bruger_id__icontains=search)
            | Q(user_rid__icontains=search)
            | Q(rid__icontains=search)
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
