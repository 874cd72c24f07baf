"""Read queries of organisations and roles."""

from django.db.models import Count, Prefetch, QuerySet

from mitid_portal.identity import UserState
from organisations.models import (
    ConnectionRequest,
    Organisation,
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
