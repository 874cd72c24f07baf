"""Rights to public services (DESIGN.md "Administration", G8.3): the catalogue, the *Basispakke*
every new user gets, user groups that carry rights, and users' requests for a right.

Who may do what: the rights administrator grants and removes rights (for a user or through a
group) and approves or rejects requests; the user administrator may grant and remove but not
decide requests; any user of the organisation may ask for a right. A right imported from NemID
keeps the RID it hung on (``UserRight.from_rid``): a grant never rewrites it, and removing it is
allowed and audited with the RID.
"""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.identity import BLOCKED_STATES, PortalUser, UserState
from organisations import emails
from organisations.models import (
    Organisation,
    PublicService,
    RightRequest,
    RoleGrant,
    UserGroup,
    UserRight,
)
from organisations.services.roles import (
    RIGHTS_ADMIN,
    USER_ADMIN,
    actor_name,
    actor_require_role,
)

User = get_user_model()

# Who grants and removes rights, and who decides requests.
GRANTERS = (RIGHTS_ADMIN, USER_ADMIN)
DECIDERS = (RIGHTS_ADMIN,)

# The catalogue: code, name, whether it is in the *Basispakke*. The codes are those of the
# NemID rights the import brings over (simulators.demo.SERVICES).
CATALOGUE: list[tuple[str, str, bool]] = [
    ("fmk", "FMK – Fælles Medicinkort", False),
    ("nemrefusion", "NemRefusion", False),
    ("digital_post", "Digital Post til virksomheder", True),
    ("tinglysning", "Tinglysning", False),
    ("barsel", "barsel.dk", False),
    ("virk_indberetning", "Virk indberetning", True),
    ("skat", "TastSelv Erhverv (Skat)", False),
    ("sundhedsjournal", "Sundhedsjournalen (sundhed.dk)", False),
    ("sor", "Sundhedsvæsenets Organisationsregister (SOR)", False),
    ("eindkomst", "eIndkomst", False),
    ("virk_kvittering", "Virk Kvittering", True),
]


def public_services_seed() -> int:
    """Fill the catalogue (idempotent; the migration does the same for a fresh database, this is
    for databases flushed by tests or ``seed_demo --reset``). Returns how many were created."""
    created = 0
    for code, name, basic in CATALOGUE:
        _, was_created = PublicService.objects.update_or_create(
            code=code, defaults={"name": name, "in_basic_package": basic}
        )
        created += was_created
    return created


def _user_label(user: PortalUser) -> str:
    return user.full_name or user.get_username()


def _audit(*, action: str, organisation, actor, target: str, changes: dict, request) -> None:
    audit_record(
        action=action,
        actor_name=actor_name(actor) or "MitID Erhverv",
        actor_user=actor,
        organisation=organisation,
        target=target,
        changes=changes,
        request=request,
    )


def user_holds_service(*, user: PortalUser, service: PublicService) -> bool:
    """Whether the user holds the service, directly or through one of their groups."""
    return (
        UserRight.objects.filter(user=user, service=service).exists()
        or UserGroup.objects.filter(members=user, services=service).exists()
    )


def _same_organisation(*, organisation: Organisation, user: PortalUser) -> None:
    if user.organisation_id != organisation.pk:
        raise PermissionDenied


# --- The Basispakke ------------------------------------------------------------------------------


@transaction.atomic
def rights_grant_basic_package(*, user: PortalUser, granted_by_name: str) -> list[PublicService]:
    """Give a new user every service of the *Basispakke* they do not hold yet (rights they hold,
    imported ones included, are left as they are). Returns the services added."""
    services = list(PublicService.objects.filter(in_basic_package=True).order_by("name"))
    held = set(
        UserRight.objects.filter(user=user, service__in=services).values_list(
            "service_id", flat=True
        )
    )
    added = [s for s in services if s.pk not in held]
    UserRight.objects.bulk_create(
        [UserRight(user=user, service=s, granted_by_name=granted_by_name[:200]) for s in added],
        ignore_conflicts=True,
    )
    if added and user.organisation_id:
        audit_record(
            action="right_granted",
            actor_name=granted_by_name or "MitID Erhverv",
            organisation=user.organisation,
            target=_user_label(user),
            changes={"tjenester": [s.name for s in added], "kilde": "Basispakke"},
        )
    return added


_BASIC_PACKAGE_CHUNK = 5000  # user ids per statement: below SQLite's limit of bound variables


def _quote_name(name: str | None) -> str:
    """A table's or a concrete field's column name, quoted (only fields without a column, such as
    many-to-many ones, have none)."""
    assert name is not None
    return connection.ops.quote_name(name)


def _in_ids(n: int) -> str:
    """``IN (%s, …)`` for n ids; on PostgreSQL ``= ANY(%s)``, the ids as one array parameter
    (thousands of placeholders cost the driver a parse per statement)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)"
    return f"IN ({', '.join(['%s'] * n)})"


def _ids_params(ids: list[int]) -> list:
    return [ids] if connection.vendor == "postgresql" else ids


def _basic_package_insert_sql(n_users: int) -> str:
    """``INSERT … SELECT`` of every (user, Basispakke service) pair not held yet. Django's ORM has
    no INSERT … SELECT; ``bulk_create`` would build and send 150,000 rows from Python for a bulk
    activation of 50,000 users, where this lets the database make them in one statement per
    5,000 users. ``ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite ≥ 3.24) leaves the rights a user
    holds – an imported one keeps its RID – and the row count says how many were added."""
    q = _quote_name
    right, user, service = UserRight._meta, User._meta, PublicService._meta
    column = {f.name: q(f.column) for f in right.concrete_fields}
    # Only names from the models (quoted) go into the text; every value is a parameter.
    return (
        f"INSERT INTO {q(right.db_table)} "  # noqa: S608
        f"({column['user']}, {column['service']}, {column['from_rid']}, "
        f"{column['granted_by_name']}, {column['granted_at']}, {column['sandbox']}) "
        f"SELECT u.{q(user.pk.column)}, s.{q(service.pk.column)}, '', %s, %s, "
        f"u.{q(user.get_field('sandbox').column)} "
        f"FROM {q(user.db_table)} u CROSS JOIN {q(service.db_table)} s "
        f"WHERE s.{q(service.get_field('in_basic_package').column)} = %s "
        f"AND u.{q(user.get_field('organisation').column)} = %s "
        f"AND u.{q(user.pk.column)} {_in_ids(n_users)} "
        "ON CONFLICT DO NOTHING"
    )


@transaction.atomic
def rights_grant_basic_package_bulk(
    *,
    organisation: Organisation,
    user_ids: Sequence[int],
    granted_by_name: str,
    actor=None,
    target: str = "",
    request=None,
    audit: bool = True,
) -> int:
    """Give each of the organisation's users in ``user_ids`` the *Basispakke* services they do
    not hold yet – for the many users of *Masseopret* and of a bulk activation, in one statement
    per 5,000 users and one audit event. Rights they hold (imported ones with their RID) are
    left as they are; ids of another organisation's users are ignored. Returns how many rights
    were added. ``audit=False``: a caller that grants chunk by chunk records the one event
    itself afterwards with :func:`rights_basic_package_bulk_audit`."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    granted_by = (granted_by_name or "MitID Erhverv")[:200]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    added = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _BASIC_PACKAGE_CHUNK):
            chunk = ids[start : start + _BASIC_PACKAGE_CHUNK]
            cursor.execute(
                _basic_package_insert_sql(len(chunk)),
                [granted_by, now, True, organisation.pk, *_ids_params(chunk)],
            )
            added += max(cursor.rowcount, 0)
    if audit:
        rights_basic_package_bulk_audit(
            organisation=organisation,
            added=added,
            user_count=len(ids),
            granted_by_name=granted_by_name,
            actor=actor,
            target=target,
            request=request,
        )
    return added


def rights_basic_package_bulk_audit(
    *,
    organisation: Organisation,
    added: int,
    user_count: int,
    granted_by_name: str,
    actor=None,
    target: str = "",
    request=None,
) -> None:
    """The one audit event of *Basispakke* rights granted in bulk (nothing when none were)."""
    if not added:
        return
    names = list(
        PublicService.objects.filter(in_basic_package=True)
        .order_by("name")
        .values_list("name", flat=True)
    )
    granted_by = (granted_by_name or "MitID Erhverv")[:200]
    audit_record(
        action="right_granted",
        actor_name=granted_by,
        actor_user=actor,
        organisation=organisation,
        target=target or f"{user_count} brugere",
        changes={"tjenester": names, "kilde": "Basispakke", "rettigheder": added},
        request=request,
    )


# --- Rights of one user --------------------------------------------------------------------------


@transaction.atomic
def _right_grant(*, user, service, actor, request) -> UserRight:
    User.objects.select_for_update().filter(pk=user.pk).first()
    if user.state == UserState.CLOSED:
        raise RuleError("closed", _("Brugeren er lukket."))
    existing = UserRight.objects.filter(user=user, service=service).first()
    if existing is not None:
        raise RuleError("has_right", _("Brugeren har allerede rettigheden."))
    right = UserRight(user=user, service=service, granted_by_name=actor_name(actor))
    right.full_clean()
    right.save()
    _audit(
        action="right_granted",
        organisation=user.organisation,
        actor=actor,
        target=_user_label(user),
        changes={"tjeneste": service.name},
        request=request,
    )
    return right


def right_grant(*, user: PortalUser, service: PublicService, actor, request=None) -> UserRight:
    """A rights or user administrator gives a user of their organisation a right (G8.3)."""
    if user.organisation is None:  # only a user of an organisation holds rights
        raise PermissionDenied
    actor_require_role(
        actor=actor,
        organisation=user.organisation,
        roles=GRANTERS,
        act="right_grant",
        request=request,
    )
    return _right_grant(user=user, service=service, actor=actor, request=request)


@transaction.atomic
def _right_remove(*, user, service, actor, request) -> None:
    right = UserRight.objects.select_for_update().filter(user=user, service=service).first()
    if right is None:
        raise RuleError("no_right", _("Brugeren har ikke rettigheden direkte."))
    changes = {"tjeneste": service.name}
    if right.from_rid:
        changes["fra_rid"] = right.from_rid
    right.delete()
    _audit(
        action="right_removed",
        organisation=user.organisation,
        actor=actor,
        target=_user_label(user),
        changes=changes,
        request=request,
    )


def right_remove(*, user: PortalUser, service: PublicService, actor, request=None) -> None:
    """A rights or user administrator removes a right the user holds directly (one imported from
    NemID too; the audit keeps its RID). Rights through a group go with the membership."""
    if user.organisation is None:  # only a user of an organisation holds rights
        raise PermissionDenied
    actor_require_role(
        actor=actor,
        organisation=user.organisation,
        roles=GRANTERS,
        act="right_remove",
        request=request,
    )
    _right_remove(user=user, service=service, actor=actor, request=request)


# --- User groups ---------------------------------------------------------------------------------


def _group_audit(*, action: str, group: UserGroup, actor, request, **changes) -> None:
    _audit(
        action=action,
        organisation=group.organisation,
        actor=actor,
        target=group.name,
        changes={"gruppe": group.name, **changes},
        request=request,
    )


def user_group_create(*, organisation: Organisation, name: str, actor, request=None) -> UserGroup:
    """Create a user group that carries rights (rights and user administrators)."""
    actor_require_role(
        actor=actor,
        organisation=organisation,
        roles=GRANTERS,
        act="user_group_create",
        request=request,
    )
    name = " ".join((name or "").split())
    if not name:
        raise RuleError("name", _("Giv gruppen et navn."), field="name")
    with transaction.atomic():
        if UserGroup.objects.filter(organisation=organisation, name__iexact=name).exists():
            raise RuleError("name_taken", _("Der findes allerede en gruppe med det navn."))
        group = UserGroup(organisation=organisation, name=name)
        group.full_clean()
        group.save()
        _group_audit(action="user_group_created", group=group, actor=actor, request=request)
    return group


def user_group_delete(*, group: UserGroup, actor, request=None) -> None:
    """Delete a group; its members lose the rights they held only through it."""
    actor_require_role(
        actor=actor,
        organisation=group.organisation,
        roles=GRANTERS,
        act="user_group_delete",
        request=request,
    )
    with transaction.atomic():
        _group_audit(
            action="user_group_deleted",
            group=group,
            actor=actor,
            request=request,
            medlemmer=group.members.count(),
        )
        group.delete()


def user_group_member_add(*, group: UserGroup, user: PortalUser, actor, request=None) -> None:
    """Add a user of the organisation to the group: they hold its rights from now on."""
    actor_require_role(
        actor=actor,
        organisation=group.organisation,
        roles=GRANTERS,
        act="user_group_member_add",
        request=request,
    )
    _same_organisation(organisation=group.organisation, user=user)
    with transaction.atomic():
        if user.state == UserState.CLOSED:
            raise RuleError("closed", _("Brugeren er lukket."))
        if group.members.filter(pk=user.pk).exists():
            raise RuleError("member", _("Brugeren er allerede med i gruppen."))
        group.members.add(user)
        _group_audit(
            action="user_group_member_added",
            group=group,
            actor=actor,
            request=request,
            bruger=_user_label(user),
        )


def user_group_member_remove(*, group: UserGroup, user: PortalUser, actor, request=None) -> None:
    """Take a user out of the group, and with it the rights it carried."""
    actor_require_role(
        actor=actor,
        organisation=group.organisation,
        roles=GRANTERS,
        act="user_group_member_remove",
        request=request,
    )
    _same_organisation(organisation=group.organisation, user=user)
    with transaction.atomic():
        if not group.members.filter(pk=user.pk).exists():
            raise RuleError("not_member", _("Brugeren er ikke med i gruppen."))
        group.members.remove(user)
        _group_audit(
            action="user_group_member_removed",
            group=group,
            actor=actor,
            request=request,
            bruger=_user_label(user),
        )


def user_group_service_add(
    *, group: UserGroup, service: PublicService, actor, request=None
) -> None:
    """Give the group a right: every member holds it."""
    actor_require_role(
        actor=actor,
        organisation=group.organisation,
        roles=GRANTERS,
        act="user_group_service_add",
        request=request,
    )
    with transaction.atomic():
        if group.services.filter(pk=service.pk).exists():
            raise RuleError("has_right", _("Gruppen har allerede rettigheden."))
        group.services.add(service)
        _group_audit(
            action="right_granted", group=group, actor=actor, request=request, tjeneste=service.name
        )


def user_group_service_remove(
    *, group: UserGroup, service: PublicService, actor, request=None
) -> None:
    """Take a right from the group: members keep it only if they hold it another way."""
    actor_require_role(
        actor=actor,
        organisation=group.organisation,
        roles=GRANTERS,
        act="user_group_service_remove",
        request=request,
    )
    with transaction.atomic():
        if not group.services.filter(pk=service.pk).exists():
            raise RuleError("no_right", _("Gruppen har ikke rettigheden."))
        group.services.remove(service)
        _group_audit(
            action="right_removed", group=group, actor=actor, request=request, tjeneste=service.name
        )


# --- Requests ------------------------------------------------------------------------------------


def _rights_admins(organisation: Organisation) -> list[PortalUser]:
    return list(
        User.objects.filter(
            organisation=organisation,
            role_grants__organisation=organisation,
            role_grants__role=RoleGrant.Role.RIGHTS_ADMIN,
        )
        .exclude(state__in=BLOCKED_STATES)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def right_request_create(
    *, user: PortalUser, service: PublicService, reason: str = "", request=None
) -> RightRequest:
    """A user asks for a right; the organisation's rights administrators are told by email and
    find the request among the pending ones."""
    organisation = user.organisation
    if organisation is None or user.state in BLOCKED_STATES or not user.is_authenticated:
        raise PermissionDenied
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if user_holds_service(user=user, service=service):
            raise RuleError("has_right", _("Du har allerede rettigheden."), field="service")
        if RightRequest.objects.filter(
            user=user, service=service, state=RightRequest.State.REQUESTED
        ).exists():
            raise RuleError(
                "open_request",
                _("Du har allerede bedt om rettigheden. Anmodningen afventer behandling."),
                field="service",
            )
        right_request = RightRequest(
            organisation=organisation, user=user, service=service, reason=reason
        )
        right_request.full_clean()
        right_request.save()
        _audit(
            action="right_requested",
            organisation=organisation,
            actor=user,
            target=_user_label(user),
            changes={"tjeneste": service.name},
            request=request,
        )
        for admin in _rights_admins(organisation):
            emails.rights_request_new(
                to=admin.email,
                admin_name=admin.full_name,
                user_name=_user_label(user),
                service=service,
                reason=reason,
                organisation=organisation,
                event_key=f"right-request-{right_request.pk}-new-{admin.pk}",
                language=admin.language,
            )
    return right_request


def _right_request_decide(
    *, right_request: RightRequest, approve: bool, note: str, actor, request
) -> RightRequest:
    actor_require_role(
        actor=actor,
        organisation=right_request.organisation,
        roles=DECIDERS,
        act="right_request_approve" if approve else "right_request_reject",
        request=request,
    )
    with transaction.atomic():
        right_request = RightRequest.objects.select_for_update().get(pk=right_request.pk)
        if right_request.state != RightRequest.State.REQUESTED:
            raise RuleError("decided", _("Anmodningen er allerede behandlet."))
        user = right_request.user
        if approve and user.state == UserState.CLOSED:
            raise RuleError("closed", _("Brugeren er lukket."))
        right_request.state = (
            RightRequest.State.APPROVED if approve else RightRequest.State.REJECTED
        )
        right_request.decision_note = (note or "").strip()[:500]
        right_request.decided_by_name = actor_name(actor)
        right_request.decided_at = timezone.now()
        right_request.save()
        if (
            approve
            and not UserRight.objects.filter(user=user, service=right_request.service).exists()
        ):
            UserRight.objects.create(
                user=user, service=right_request.service, granted_by_name=actor_name(actor)
            )
        _audit(
            action="right_request_approved" if approve else "right_request_rejected",
            organisation=right_request.organisation,
            actor=actor,
            target=_user_label(user),
            changes={"tjeneste": right_request.service.name, "svar": right_request.decision_note},
            request=request,
        )
        if user.email:
            email = emails.rights_request_approved if approve else emails.rights_request_rejected
            email(
                to=user.email,
                user_name=_user_label(user),
                right_request=right_request,
                event_key=f"right-request-{right_request.pk}-decided",
                language=user.language,
            )
    return right_request


def right_request_approve(
    *, right_request: RightRequest, actor, note: str = "", request=None
) -> RightRequest:
    """A rights administrator approves a request: the user gets the right and an email. The user
    administrator may not (DESIGN.md "Administration")."""
    return _right_request_decide(
        right_request=right_request, approve=True, note=note, actor=actor, request=request
    )


def right_request_reject(
    *, right_request: RightRequest, actor, note: str = "", request=None
) -> RightRequest:
    """A rights administrator rejects a request; the user is told by email, with the answer."""
    return _right_request_decide(
        right_request=right_request, approve=False, note=note, actor=actor, request=request
    )
