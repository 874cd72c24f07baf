"""State changes of organisations: the connection at NemLog-in (G2.1–G2.7) and the records of the
appointed administrators' setup links (G3.1).

The steps that create or activate users – connecting (which appoints the administrators as new
users), the operator's approval, and the appointed administrator's use of the setup link – are
orchestrated one layer up, in ``activation.services.connection``, out of the pieces here."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto, outside
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.validators import cpr_birth_date, normalise_cvr
from organisations import emails
from organisations.models import (
    AdminInvitation,
    ConnectionDocument,
    ConnectionRequest,
    Organisation,
    RoleGrant,
)

TERMS_VERSION = "2026-1"
SETUP_LINK_LIFETIME = datetime.timedelta(days=60)
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
]


def _already_connected(cvr: str) -> RuleError:
    return RuleError(
        "already_connected",
        _(
            "Organisationen er allerede tilsluttet MitID Erhverv. Der kan kun være én aftale pr. CVR."
        ),
    )


def _represents(*, cpr: str, cvr: str) -> bool:
    return any(rep.cpr == cpr for rep in outside.cvr_register().representatives(cvr=cvr))


def connection_start(
    *, cpr: str, person_name: str, cvr: str, manual: bool = False, request=None
) -> ConnectionRequest:
    """Begin connecting ``cvr`` (G2.3). A management representative of the CVR (as the CVR register
    names them) goes the direct way; anyone else only by choosing the manual route with
    documentation. A refusal records one failed-attempt audit event and nothing else."""
    try:
        cvr = normalise_cvr(cvr)
    except ValidationError as exc:
        raise RuleError("invalid_cvr", exc.messages[0]) from None
    company = outside.cvr_register().lookup(cvr=cvr)
    if company is None:
        raise RuleError("unknown_cvr", _("CVR-nummeret findes ikke i CVR-registret."))
    if Organisation.objects.filter(cvr=cvr).exists():
        raise _already_connected(cvr)
    representative = _represents(cpr=cpr, cvr=cvr)
    if not representative and not manual:
        # Not inside a transaction that the refusal rolls back: the failed attempt stays recorded.
        audit_record(
            action="connection_refused",
            actor_name=person_name,
            cvr=cvr,
            target=company.name,
            changes={"reason": "not_representative"},
            request=request,
        )
        raise RuleError(
            "not_representative",
            _(
                "Du er ikke registreret som ledelsesrepræsentant for denne organisation i "
                "CVR-registret. Du kan i stedet søge om tilslutning ved at indsende dokumentation."
            ),
        )
    draft = ConnectionRequest.objects.filter(
        requester_cpr_hash=crypto.cpr_hash(cpr),
        cvr=cvr,
        is_representative=representative,
        state=ConnectionRequest.State.DRAFT,
    ).first()
    if draft is not None:  # back to the first step: the request goes on with what it holds
        return draft
    return ConnectionRequest.objects.create(
        cvr=cvr,
        company_name=company.name,
        is_representative=representative,
        requester_name=person_name,
        requester_cpr_hash=crypto.cpr_hash(cpr),
        requester_cpr=cpr,
    )


@transaction.atomic
def connection_accept_terms(*, connection: ConnectionRequest, request=None) -> ConnectionRequest:
    """*Acceptér vilkår* (G2.4): the version and the moment are recorded."""
    _require_draft(connection)
    if connection.terms_accepted_at and connection.terms_version == TERMS_VERSION:
        return connection  # accepted already (the step opened again with Tilbage or Ret)
    connection.terms_version = TERMS_VERSION
    connection.terms_accepted_at = timezone.now()
    connection.save(update_fields=["terms_version", "terms_accepted_at"])
    audit_record(
        action="terms_accepted",
        actor_name=connection.requester_name,
        cvr=connection.cvr,
        target=connection.company_name,
        changes={"version": TERMS_VERSION},
        request=request,
    )
    return connection


@transaction.atomic
def connection_choose_admin(
    *,
    connection: ConnectionRequest,
    choice: str,
    requester_email: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    cpr: str = "",
    birth_date: datetime.date | None = None,
) -> ConnectionRequest:
    """*Vælg en organisationsadministrator* (G2.5): yourself, someone else, or both."""
    _require_draft(connection)
    if not connection.terms_accepted_at:
        raise RuleError("terms", _("Du skal acceptere vilkårene, før du kan fortsætte."))
    connection.admin_choice = choice
    connection.requester_email = requester_email
    if choice == ConnectionRequest.AdminChoice.SELF:
        first_name = last_name = email = cpr = ""
        birth_date = None
    elif (
        not cpr
        and connection.admin_cpr
        and birth_date == cpr_birth_date(connection.admin_cpr)
        and (first_name, last_name) == (connection.admin_first_name, connection.admin_last_name)
    ):
        cpr = connection.admin_cpr  # entered before and not shown again: the same person
    connection.admin_first_name = first_name
    connection.admin_last_name = last_name
    connection.admin_email = email
    connection.admin_cpr = cpr
    connection.admin_birth_date = birth_date
    connection.full_clean()
    connection.save()
    return connection


def document_content_type(head: bytes) -> str | None:
    """The type of an upload judged from its first bytes, not from its name."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


@transaction.atomic
def connection_add_document(*, connection: ConnectionRequest, upload, request=None):
    """Documentation for the manual route (G2.6): PDF, PNG or JPEG, at most 5 MB."""
    _require_draft(connection)
    if upload.size > MAX_DOCUMENT_BYTES:
        raise RuleError("too_large", _("Filen er for stor. Den må højst fylde 5 MB."))
    head = upload.read(16)
    upload.seek(0)
    content_type = document_content_type(head)
    if content_type is None:
        raise RuleError("file_type", _("Filen skal være en PDF eller et billede (PNG eller JPEG)."))
    document = ConnectionDocument(
        request=connection,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
    )
    document.file.save("upload", upload, save=False)
    document.save()
    audit_record(
        action="documentation_uploaded",
        actor_name=connection.requester_name,
        cvr=connection.cvr,
        target=document.original_name,
        changes={"content_type": content_type, "size": upload.size},
        request=request,
    )
    return document


def _require_draft(connection: ConnectionRequest) -> None:
    if connection.state != ConnectionRequest.State.DRAFT:
        raise RuleError("not_draft", _("Anmodningen er allerede sendt."))


@transaction.atomic
def connection_submit(*, connection_id: int) -> ConnectionRequest:
    """*Bekræft og godkend tilslutning* (G2.7), the request's part: the draft is locked and
    checked. A manual request goes to review and its requester is told by email; a
    representative's request is returned still a draft, for ``activation.services.
    connection_confirm`` to connect at once. A request already sent is returned as it is, so a
    second submit sends nothing."""
    connection = ConnectionRequest.objects.select_for_update().get(pk=connection_id)
    if connection.state != ConnectionRequest.State.DRAFT:
        return connection  # double submit: already done
    if not connection.terms_accepted_at:
        raise RuleError("terms", _("Du skal acceptere vilkårene, før du kan fortsætte."))
    if not connection.admin_choice:
        raise RuleError("admin", _("Vælg en organisationsadministrator."))
    if connection.is_representative:
        return connection
    if not connection.documents.exists():
        raise RuleError(
            "documents", _("Upload dokumentation for, at du må handle for organisationen.")
        )
    connection.state = ConnectionRequest.State.AWAITING_REVIEW
    connection.save(update_fields=["state"])
    emails.connection_pending(
        to=connection.requester_email,
        connection=connection,
        event_key=f"connection-pending-{connection.pk}",
    )
    return connection


@transaction.atomic
def organisation_connect(
    *, connection: ConnectionRequest, actor_name: str, request=None
) -> Organisation:
    """The organisation of a confirmed or approved connection request comes into being and the
    request is completed (one organisation per CVR number; the database refuses a second)."""
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                cvr=connection.cvr,
                name=connection.company_name,
                is_public=getattr(
                    outside.cvr_register().lookup(cvr=connection.cvr), "is_public", False
                ),
            )
    except IntegrityError as exc:
        raise _already_connected(connection.cvr) from exc
    connection.state = ConnectionRequest.State.COMPLETED
    connection.completed_at = timezone.now()
    connection.organisation = organisation
    connection.save(update_fields=["state", "completed_at", "organisation"])
    audit_record(
        action="organisation_connected",
        actor_name=actor_name,
        organisation=organisation,
        target=organisation.name,
        changes={
            "terms_version": connection.terms_version,
            "manual": not connection.is_representative,
        },
        request=request,
    )
    return organisation


def connection_admins(*, connection: ConnectionRequest) -> list[dict]:
    """The organisation administrators a connection request appoints (G2.5): the requester (named
    as the CPR register has them), someone else, or both; each as first_name, last_name, email,
    cpr and birth_date."""
    admins = []
    if connection.appoints_self:
        person = outside.cpr_register().lookup(cpr=connection.requester_cpr)
        first, last = (
            (person.first_name, person.last_name) if person else (connection.requester_name, "")
        )
        admins.append(
            {
                "first_name": first,
                "last_name": last,
                "email": connection.requester_email,
                "cpr": connection.requester_cpr,
                "birth_date": person.birth_date if person else None,
            }
        )
    if connection.appoints_other:
        admins.append(
            {
                "first_name": connection.admin_first_name,
                "last_name": connection.admin_last_name,
                "email": connection.admin_email,
                "cpr": connection.admin_cpr,
                "birth_date": connection.admin_birth_date,
            }
        )
    return admins


@transaction.atomic
def admin_appointment_record(
    *, organisation: Organisation, user, granted_by_name: str
) -> tuple[AdminInvitation, str]:
    """The appointed administrator's role and setup link (G3.1): the organisation administrator
    role, and a link valid 60 days of which only a keyed hash is kept. Returns the invitation
    and the link's token (to be emailed, never stored)."""
    RoleGrant.objects.create(
        organisation=organisation,
        user=user,
        role=RoleGrant.Role.ORGANISATION_ADMIN,
        granted_by_name=granted_by_name,
    )
    token = crypto.random_token()
    invitation = AdminInvitation.objects.create(
        organisation=organisation,
        user=user,
        token_hash=crypto.keyed_hash(token, purpose="admin-setup"),
        expires_at=timezone.now() + SETUP_LINK_LIFETIME,
    )
    return invitation, token


@transaction.atomic
def connection_approval_record(*, connection_id: int, operator_name: str) -> ConnectionRequest:
    """A portal operator approves a manual request awaiting review: the decision is recorded
    (``activation.services.connection_approve`` then connects the organisation)."""
    connection = ConnectionRequest.objects.select_for_update().get(pk=connection_id)
    if connection.state != ConnectionRequest.State.AWAITING_REVIEW:
        raise RuleError("not_awaiting", _("Anmodningen afventer ikke behandling."))
    connection.decided_by = operator_name
    connection.decided_at = timezone.now()
    connection.save(update_fields=["decided_by", "decided_at"])
    audit_record(
        action="connection_approved",
        actor_name=operator_name,
        cvr=connection.cvr,
        target=connection.company_name,
    )
    return connection


@transaction.atomic
def connection_reject(*, connection_id: int, operator_name: str, reason: str) -> ConnectionRequest:
    """A portal operator rejects a manual request with a reason, which is emailed."""
    if not reason.strip():
        raise RuleError("reason", _("Skriv en begrundelse for afvisningen."))
    connection = ConnectionRequest.objects.select_for_update().get(pk=connection_id)
    if connection.state != ConnectionRequest.State.AWAITING_REVIEW:
        raise RuleError("not_awaiting", _("Anmodningen afventer ikke behandling."))
    connection.state = ConnectionRequest.State.REJECTED
    connection.decision_note = reason.strip()
    connection.decided_by = operator_name
    connection.decided_at = timezone.now()
    connection.save(update_fields=["state", "decision_note", "decided_by", "decided_at"])
    audit_record(
        action="connection_rejected",
        actor_name=operator_name,
        cvr=connection.cvr,
        target=connection.company_name,
        changes={"reason": connection.decision_note},
    )
    emails.connection_rejected(
        to=connection.requester_email,
        connection=connection,
        event_key=f"connection-rejected-{connection.pk}",
    )
    return connection


def admin_invitation_check(*, token: str) -> AdminInvitation:
    """The invitation behind a setup link, or a RuleError with the reason it cannot be used."""
    invitation = (
        AdminInvitation.objects.select_related("organisation", "user")
        .filter(token_hash=crypto.keyed_hash(token, purpose="admin-setup"))
        .first()
    )
    if invitation is None:
        raise RuleError("unknown", _("Linket er ugyldigt."))
    if invitation.used_at:
        raise RuleError("used", _("Linket er allerede brugt. Log på MitID Erhverv fra forsiden."))
    if timezone.now() >= invitation.expires_at:
        raise RuleError(
            "expired",
            _(
                "Linket er udløbet. Det var gyldigt i 60 dage. Bed virksomhedsejeren om at udpege dig igen."
            ),
        )
    return invitation


@transaction.atomic
def admin_invitation_use(*, invitation_id: int) -> AdminInvitation:
    """The setup link is used up, once (a second use, even a concurrent one, is refused)."""
    invitation = (
        AdminInvitation.objects.select_for_update()
        .select_related("user", "organisation")
        .get(pk=invitation_id)
    )
    if invitation.used_at:
        raise RuleError("used", _("Linket er allerede brugt. Log på MitID Erhverv fra forsiden."))
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return invitation
