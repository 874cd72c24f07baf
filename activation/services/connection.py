"""Connecting an organisation, orchestrated: the steps of the connection (G2.7) and of the setup
link (G3.1–G3.4) that create or activate users.

The connection request, its checks and the organisation are ``organisations.services``' part;
here the confirmed (or approved) request becomes an organisation whose appointed administrators
are new users awaiting their setup link, and the appointed person who follows that link becomes an
active user. Every user-state change goes through ``users.services.lifecycle``.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mitid_portal import crypto
from mitid_portal.audit import audit_record
from mitid_portal.errors import RuleError
from mitid_portal.identity import UserState, identity_cpr
from mitid_portal.validators import cpr_birth_date
from organisations import emails as organisation_emails
from organisations.models import AdminInvitation, ConnectionRequest, Organisation, RoleGrant
from organisations.services.connection import (
    admin_appointment_record,
    admin_invitation_check,
    admin_invitation_use,
    connection_admins,
    connection_approval_record,
    connection_submit,
    organisation_connect,
)
from users.models import User
from users.services.lifecycle import user_state_change


@transaction.atomic
def connection_confirm(
    *, connection_id: int, request: HttpRequest | None = None
) -> ConnectionRequest:
    """*Bekræft og godkend tilslutning* (G2.7). A representative's request connects at once (the
    organisation, then its appointed administrators); a manual one goes to review. A second
    submit returns the same result and sends nothing."""
    connection = connection_submit(connection_id=connection_id)
    if connection.state == ConnectionRequest.State.DRAFT:  # a representative's request
        _connect(connection=connection, actor_name=connection.requester_name, request=request)
    return connection


@transaction.atomic
def connection_approve(*, connection_id: int, operator_name: str) -> ConnectionRequest:
    """A portal operator approves a manual request: the organisation is connected."""
    connection = connection_approval_record(
        connection_id=connection_id, operator_name=operator_name
    )
    _connect(connection=connection, actor_name=connection.requester_name)
    return connection


def _connect(
    *, connection: ConnectionRequest, actor_name: str, request: HttpRequest | None = None
) -> ConnectionRequest:
    organisation = organisation_connect(
        connection=connection, actor_name=actor_name, request=request
    )
    admins = connection_admins(connection=connection)
    for admin in admins:
        organisation_admin_appoint(
            organisation=organisation, granted_by_name=actor_name, request=request, **admin
        )
    organisation_emails.connection_receipt(
        to=connection.requester_email,
        connection=connection,
        organisation=organisation,
        admins=[f"{a['first_name']} {a['last_name']} ({a['email']})" for a in admins],
        event_key=f"connection-receipt-{connection.pk}",
    )
    return connection


@transaction.atomic
def organisation_admin_appoint(
    *,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    email: str,
    cpr: str = "",
    birth_date: datetime.date | None = None,
    granted_by_name: str,
    request: HttpRequest | None = None,
) -> AdminInvitation:
    """Appoint an organisation administrator (who need not be an employee, e.g. the accountant):
    a new user of the organisation awaiting activation, with the role, emailed the setup link
    valid 60 days (G3.1)."""
    if cpr:
        birth_date = cpr_birth_date(cpr)
    user = User(
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        email=email,
        cpr=cpr,
        cpr_hash=crypto.cpr_hash(cpr) if cpr else "",
        birth_date=birth_date,
    )
    user.set_unusable_password()
    user.save()
    # The admin_appointed event below says what happened; the move itself is not recorded twice.
    user_state_change(user=user, to=UserState.AWAITING, audit=False)
    invitation, token = admin_appointment_record(
        organisation=organisation, user=user, granted_by_name=granted_by_name
    )
    audit_record(
        action="admin_appointed",
        actor_name=granted_by_name,
        organisation=organisation,
        target=user.full_name,
        changes={"role": RoleGrant.Role.ORGANISATION_ADMIN, "email": email},
        request=request,
    )
    link = settings.PORTAL_BASE_URL + reverse("activation:setup_link", args=[token])
    organisation_emails.admin_setup_link(
        to=email,
        organisation=organisation,
        user_name=user.full_name,
        link=link,
        expires_at=invitation.expires_at,
        event_key=f"admin-setup-{invitation.pk}",
        language=user.language,
    )
    return invitation


def admin_invitation_accept(
    *, token: str, identity: dict, request: HttpRequest | None = None
) -> User:
    """The appointed administrator opens the setup link and logs in with private MitID (G3.4): it
    must be the appointed person — the same CPR, or for a birth-date appointment the same name and
    birth date. The link is then used up and the administrator is an active user."""
    invitation = admin_invitation_check(token=token)
    user = invitation.user
    if user.cpr_hash:
        matches = user.cpr_hash == identity["cpr_hash"]
    else:
        matches = (
            user.birth_date == identity["birth_date"]
            and f"{user.first_name} {user.last_name}".casefold()
            == f"{identity['first_name']} {identity['last_name']}".casefold()
        )
    if not matches:
        audit_record(  # outside any transaction: the refusal stays recorded
            action="admin_setup_refused",
            actor_name=f"{identity['first_name']} {identity['last_name']}",
            organisation=invitation.organisation,
            target=user.full_name,
            request=request,
        )
        raise RuleError(
            "wrong_person",
            _("Du er ikke den person, der er udpeget som organisationsadministrator."),
        )
    return _admin_invitation_use(invitation_id=invitation.pk, identity=identity, request=request)


@transaction.atomic
def _admin_invitation_use(
    *, invitation_id: int, identity: dict, request: HttpRequest | None
) -> User:
    invitation = admin_invitation_use(invitation_id=invitation_id)
    user = invitation.user
    fields: dict = {"uses_private_mitid": True}
    if not user.cpr_hash:
        fields["cpr"] = identity_cpr(request) if request is not None else ""
        fields["cpr_hash"] = identity["cpr_hash"]
    # The admin_setup_started event below is the record of this activation.
    user = user_state_change(user=user, to=UserState.ACTIVE, fields=fields, audit=False)
    audit_record(
        action="admin_setup_started",
        actor_name=user.full_name,
        actor_user=user,
        organisation=invitation.organisation,
        target=user.full_name,
        request=request,
    )
    return user
