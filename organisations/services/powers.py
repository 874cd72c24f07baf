"""Business powers of attorney (*erhvervsfuldmagter*, G8.1, DESIGN.md "Administration").

The giving organisation's organisation administrator creates one to another CVR (the services,
an optional end date), or approves one the receiving side asked for. The receiving organisation
finds it by its CVR (it may connect to MitID Erhverv after the power was given); its rights
administrator chooses which of its users may use it. Either side's organisation administrator
can revoke it. The other side's organisation administrators are told by email of every step.
"""

import datetime
from collections.abc import Callable, Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal import outside
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.identity import BLOCKED_STATES, PortalUser, UserState
from mitid_portal.models import OutboundEmail
from mitid_portal.validators import normalise_cvr
from organisations import emails
from organisations.models import Organisation, PowerOfAttorney, PublicService, RoleGrant
from organisations.services.roles import (
    ORG_ADMIN,
    RIGHTS_ADMIN,
    actor_name,
    actor_require_role,
)

User = get_user_model()


def _other_cvr(*, own: Organisation, cvr: str) -> tuple[str, str]:
    """The other party's CVR, checked: well-formed, not one's own, known to the CVR register.
    Returns the CVR and the name the register gives it."""
    try:
        cvr = normalise_cvr(cvr)
    except ValidationError as exc:
        raise RuleError("cvr_invalid", exc.messages[0], field="cvr") from exc
    if cvr == own.cvr:
        raise RuleError(
            "cvr_own",
            _("En fuldmagt kan ikke gives til eller fra organisationens eget CVR-nummer."),
            field="cvr",
        )
    record = outside.cvr_register().lookup(cvr=cvr)
    if record is None:
        raise RuleError("cvr_unknown", _("CVR-nummeret findes ikke i CVR-registret."), field="cvr")
    return cvr, record.name


def _checked_terms(
    services: Iterable[PublicService], valid_until: datetime.date | None
) -> list[PublicService]:
    services = list(services)
    if not services:
        raise RuleError("services", _("Vælg mindst én tjeneste."), field="services")
    if valid_until is not None and valid_until < timezone.localdate():
        raise RuleError(
            "valid_until", _("Slutdatoen kan ikke ligge i fortiden."), field="valid_until"
        )
    return services


def _org_admins(organisation: Organisation | None) -> list[PortalUser]:
    if organisation is None:
        return []
    return list(
        User.objects.filter(
            organisation=organisation,
            role_grants__organisation=organisation,
            role_grants__role=RoleGrant.Role.ORGANISATION_ADMIN,
        )
        .exclude(state__in=BLOCKED_STATES)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _receiving_organisation(power: PowerOfAttorney) -> Organisation | None:
    return power.receiver or Organisation.objects.filter(cvr=power.receiver_cvr).first()


def _notify(
    *,
    power: PowerOfAttorney,
    to: Organisation | None,
    email: Callable[..., OutboundEmail | None],
    step: str,
) -> None:
    """Send ``email`` (one of ``organisations.emails.powers_*``) to each of ``to``'s
    organisation administrators (nobody when it is not connected)."""
    if to is None:
        return
    for admin in _org_admins(to):
        email(
            to=admin.email,
            admin_name=admin.full_name,
            organisation=to,
            power=power,
            event_key=f"power-{power.pk}-{step}-{admin.pk}",
            language=admin.language,
        )


def _audit(*, action: str, power: PowerOfAttorney, organisation, actor, request, **extra):
    audit_record(
        action=action,
        actor_name=actor_name(actor),
        actor_user=actor,
        organisation=organisation,
        target=f"{power.giver.name} → {power.receiver_name or power.receiver_cvr}",
        changes={
            "fuldmagtsgiver": power.giver.cvr,
            "modtager": power.receiver_cvr,
            "tjenester": sorted(s.name for s in power.services.all()),
            **extra,
        },
        request=request,
    )


def power_create(
    *,
    giver: Organisation,
    receiver_cvr: str,
    services: Iterable[PublicService],
    valid_until: datetime.date | None = None,
    actor,
    request=None,
) -> PowerOfAttorney:
    """The organisation administrator gives another CVR a power of attorney for the chosen
    services; it is active at once, and the receiver's organisation administrators are told."""
    actor_require_role(
        actor=actor, organisation=giver, roles=[ORG_ADMIN], act="power_create", request=request
    )
    cvr, name = _other_cvr(own=giver, cvr=receiver_cvr)
    services = _checked_terms(services, valid_until)
    with transaction.atomic():
        receiver = Organisation.objects.filter(cvr=cvr).first()
        power = PowerOfAttorney(
            giver=giver,
            receiver_cvr=cvr,
            receiver_name=receiver.name if receiver else name,
            receiver=receiver,
            valid_until=valid_until,
            state=PowerOfAttorney.State.ACTIVE,
            created_by_name=actor_name(actor),
        )
        power.full_clean()
        power.save()
        power.services.set(services)
        _audit(
            action="power_created",
            power=power,
            organisation=giver,
            actor=actor,
            request=request,
            gyldig_til=valid_until.isoformat() if valid_until else "",
        )
        _notify(power=power, to=receiver, email=emails.powers_created, step="created")
    return power


def power_request(
    *,
    receiver: Organisation,
    giver_cvr: str,
    services: Iterable[PublicService],
    valid_until: datetime.date | None = None,
    actor,
    request=None,
) -> PowerOfAttorney:
    """The receiving side asks another organisation for a power of attorney; the giver's
    organisation administrators approve or reject it. The giver must be connected."""
    actor_require_role(
        actor=actor, organisation=receiver, roles=[ORG_ADMIN], act="power_request", request=request
    )
    cvr, _name = _other_cvr(own=receiver, cvr=giver_cvr)
    services = _checked_terms(services, valid_until)
    giver = Organisation.objects.filter(cvr=cvr).first()
    if giver is None:
        raise RuleError(
            "not_connected",
            _(
                "Organisationen er ikke tilsluttet MitID Erhverv og kan derfor ikke godkende en "
                "anmodning om fuldmagt."
            ),
            field="cvr",
        )
    with transaction.atomic():
        power = PowerOfAttorney(
            giver=giver,
            receiver_cvr=receiver.cvr,
            receiver_name=receiver.name,
            receiver=receiver,
            valid_until=valid_until,
            state=PowerOfAttorney.State.REQUESTED,
            created_by_name=actor_name(actor),
        )
        power.full_clean()
        power.save()
        power.services.set(services)
        _audit(
            action="power_requested",
            power=power,
            organisation=receiver,
            actor=actor,
            request=request,
        )
        _notify(power=power, to=giver, email=emails.powers_requested, step="requested")
    return power


def _power_decide(*, power: PowerOfAttorney, approve: bool, actor, request) -> PowerOfAttorney:
    actor_require_role(
        actor=actor,
        organisation=power.giver,
        roles=[ORG_ADMIN],
        act="power_approve" if approve else "power_reject",
        request=request,
    )
    with transaction.atomic():
        power = PowerOfAttorney.objects.select_for_update().get(pk=power.pk)
        if power.state != PowerOfAttorney.State.REQUESTED:
            raise RuleError("decided", _("Anmodningen om fuldmagt er allerede behandlet."))
        if approve and power.is_expired:
            raise RuleError("expired", _("Fuldmagtens slutdato er overskredet."))
        power.state = PowerOfAttorney.State.ACTIVE if approve else PowerOfAttorney.State.REJECTED
        power.decided_by_name = actor_name(actor)
        power.decided_at = timezone.now()
        power.receiver = power.receiver or _receiving_organisation(power)
        power.save()
        _audit(
            action="power_approved" if approve else "power_rejected",
            power=power,
            organisation=power.giver,
            actor=actor,
            request=request,
        )
        _notify(
            power=power,
            to=_receiving_organisation(power),
            email=emails.powers_approved if approve else emails.powers_rejected,
            step="decided",
        )
    return power


def power_approve(*, power: PowerOfAttorney, actor, request=None) -> PowerOfAttorney:
    """The giver's organisation administrator approves a requested power: it becomes active."""
    return _power_decide(power=power, approve=True, actor=actor, request=request)


def power_reject(*, power: PowerOfAttorney, actor, request=None) -> PowerOfAttorney:
    """The giver's organisation administrator rejects a requested power."""
    return _power_decide(power=power, approve=False, actor=actor, request=request)


def power_revoke(*, power: PowerOfAttorney, actor, request=None) -> PowerOfAttorney:
    """Either side's organisation administrator revokes a power (or withdraws a request); the
    other side's organisation administrators are told."""
    own = getattr(actor, "organisation", None)
    if own is None or (own.pk != power.giver_id and own.cvr != power.receiver_cvr):
        raise PermissionDenied
    actor_require_role(
        actor=actor, organisation=own, roles=[ORG_ADMIN], act="power_revoke", request=request
    )
    with transaction.atomic():
        power = PowerOfAttorney.objects.select_for_update().get(pk=power.pk)
        if power.state not in (PowerOfAttorney.State.ACTIVE, PowerOfAttorney.State.REQUESTED):
            raise RuleError("not_active", _("Fuldmagten er ikke aktiv."))
        power.state = PowerOfAttorney.State.REVOKED
        power.revoked_by_name = actor_name(actor)
        power.revoked_at = timezone.now()
        power.save()
        by_giver = own.pk == power.giver_id
        _audit(
            action="power_revoked",
            power=power,
            organisation=own,
            actor=actor,
            request=request,
            side="fuldmagtsgiver" if by_giver else "modtager",
        )
        other = _receiving_organisation(power) if by_giver else power.giver
        _notify(power=power, to=other, email=emails.powers_revoked, step="revoked")
    return power


def _power_users_change(
    *,
    power: PowerOfAttorney,
    add: list[PortalUser],
    remove: list[PortalUser],
    actor,
    request,
    act: str,
) -> PowerOfAttorney:
    own = getattr(actor, "organisation", None)
    if own is None or own.cvr != power.receiver_cvr:
        raise PermissionDenied
    actor_require_role(
        actor=actor, organisation=own, roles=[RIGHTS_ADMIN], act=act, request=request
    )
    if any(u.organisation_id != own.pk for u in [*add, *remove]):
        raise PermissionDenied
    if any(u.state == UserState.CLOSED for u in add):
        raise RuleError("closed", _("En lukket bruger kan ikke bruge fuldmagten."), field="users")
    with transaction.atomic():
        power = PowerOfAttorney.objects.select_for_update().get(pk=power.pk)
        if add and not power.is_usable:
            raise RuleError("not_active", _("Fuldmagten er ikke aktiv."))
        current = set(power.users.values_list("pk", flat=True))
        added = [u for u in add if u.pk not in current]
        removed = [u for u in remove if u.pk in current]
        if not added and not removed:
            return power
        if power.receiver_id is None:
            power.receiver = own
            power.save(update_fields=["receiver"])
        power.users.add(*added)
        power.users.remove(*removed)
        _audit(
            action="power_users_changed",
            power=power,
            organisation=own,
            actor=actor,
            request=request,
            tilføjet=sorted(u.full_name for u in added),
            fjernet=sorted(u.full_name for u in removed),
        )
    return power


def power_user_add(
    *, power: PowerOfAttorney, user: PortalUser, actor, request=None
) -> PowerOfAttorney:
    """The receiving organisation's rights administrator lets one of its users use an active
    power of attorney."""
    return _power_users_change(
        power=power, add=[user], remove=[], actor=actor, request=request, act="power_user_add"
    )


def power_user_remove(
    *, power: PowerOfAttorney, user: PortalUser, actor, request=None
) -> PowerOfAttorney:
    """The receiving organisation's rights administrator takes a user off a power of attorney."""
    return _power_users_change(
        power=power, add=[], remove=[user], actor=actor, request=request, act="power_user_remove"
    )
