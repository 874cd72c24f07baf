"""The emails of organisations: the connection (G2.7), the appointed administrator's setup link
(G3.1), powers of attorney (G8.1) and requests for a right (G8.3).

One function per email (STYLE.md "Emails"). Each owns its three templates,
``templates/emails/<name>-subject.txt``, ``-body.txt`` and ``-body.html``, builds their context
from its arguments, and queues the email through the kernel's outbox
(``mitid_portal.emails``) in the caller's transaction. An ``event_key`` makes it at most once
per event. The templates are written in Danish and render in ``language``, the recipient's
(``User.language``), or the language active when queued for a recipient who is no user.
"""

import datetime

from mitid_portal.emails import email_queue
from mitid_portal.models import OutboundEmail
from organisations.models import (
    ConnectionRequest,
    Organisation,
    PowerOfAttorney,
    PublicService,
    RightRequest,
)

# ---------------------------------------------------------------------------------------------
# The connection (G2.7) and the setup link (G3.1)


def connection_pending(
    *, to: str, connection: ConnectionRequest, event_key: str, language: str | None = None
) -> OutboundEmail | None:
    """A manual connection request was submitted with its documentation (G2.7) and awaits a
    portal operator: the requester is told it may take up to 10 working days."""
    return email_queue(
        to=to,
        template="connection_pending",
        context={"connection": connection},
        event_key=event_key,
        language=language,
    )


def connection_rejected(
    *, to: str, connection: ConnectionRequest, event_key: str, language: str | None = None
) -> OutboundEmail | None:
    """A portal operator rejected a manual connection request: the requester gets the reason
    (``connection.decision_note``)."""
    return email_queue(
        to=to,
        template="connection_rejected",
        context={"connection": connection},
        event_key=event_key,
        language=language,
    )


def connection_receipt(
    *,
    to: str,
    connection: ConnectionRequest,
    organisation: Organisation,
    admins: list[str],
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """*Kvittering* (G2.7): the organisation is connected. The requester gets the terms accepted
    and the appointed organisation administrators, each as "name (email)" in ``admins``."""
    return email_queue(
        to=to,
        template="connection_receipt",
        context={"connection": connection, "organisation": organisation, "admins": admins},
        event_key=event_key,
        language=language,
    )


def admin_setup_link(
    *,
    to: str,
    organisation: Organisation,
    user_name: str,
    link: str,
    expires_at: datetime.datetime,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """An organisation administrator was appointed (G3.1): they get the setup link, valid 60
    days (until ``expires_at``)."""
    return email_queue(
        to=to,
        template="admin_setup_link",
        context={
            "organisation": organisation,
            "user_name": user_name,
            "link": link,
            "expires_at": expires_at,
        },
        event_key=event_key,
        language=language,
    )


# ---------------------------------------------------------------------------------------------
# Powers of attorney (G8.1): each step tells the other side's organisation administrators


def _power_context(
    *, admin_name: str, organisation: Organisation, power: PowerOfAttorney
) -> dict[str, object]:
    return {
        "admin_name": admin_name,
        "organisation": organisation,
        "giver": power.giver,
        "receiver_cvr": power.receiver_cvr,
        "receiver_name": power.receiver_name,
        "services": [s.name for s in power.services.order_by("name")],
        "valid_until": power.valid_until,
    }


def powers_created(
    *,
    to: str,
    admin_name: str,
    organisation: Organisation,
    power: PowerOfAttorney,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """The giver created a power of attorney (G8.1): an organisation administrator of the
    receiving ``organisation`` is told which services it covers and until when."""
    return email_queue(
        to=to,
        template="powers_created",
        context=_power_context(admin_name=admin_name, organisation=organisation, power=power),
        event_key=event_key,
        language=language,
    )


def powers_requested(
    *,
    to: str,
    admin_name: str,
    organisation: Organisation,
    power: PowerOfAttorney,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """The receiver asked for a power of attorney (G8.1): an organisation administrator of the
    giving ``organisation`` is asked to approve or reject it under *Fuldmagter*."""
    return email_queue(
        to=to,
        template="powers_requested",
        context=_power_context(admin_name=admin_name, organisation=organisation, power=power),
        event_key=event_key,
        language=language,
    )


def powers_approved(
    *,
    to: str,
    admin_name: str,
    organisation: Organisation,
    power: PowerOfAttorney,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """The giver approved a requested power of attorney (G8.1): an organisation administrator
    of the receiving ``organisation`` is told it is active."""
    return email_queue(
        to=to,
        template="powers_approved",
        context=_power_context(admin_name=admin_name, organisation=organisation, power=power),
        event_key=event_key,
        language=language,
    )


def powers_rejected(
    *,
    to: str,
    admin_name: str,
    organisation: Organisation,
    power: PowerOfAttorney,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """The giver rejected a requested power of attorney (G8.1): an organisation administrator
    of the receiving ``organisation`` is told."""
    return email_queue(
        to=to,
        template="powers_rejected",
        context=_power_context(admin_name=admin_name, organisation=organisation, power=power),
        event_key=event_key,
        language=language,
    )


def powers_revoked(
    *,
    to: str,
    admin_name: str,
    organisation: Organisation,
    power: PowerOfAttorney,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """One side revoked a power of attorney (G8.1): an organisation administrator of the other
    side, ``organisation``, is told it can no longer be used."""
    return email_queue(
        to=to,
        template="powers_revoked",
        context=_power_context(admin_name=admin_name, organisation=organisation, power=power),
        event_key=event_key,
        language=language,
    )


# ---------------------------------------------------------------------------------------------
# Requests for a right (G8.3)


def rights_request_new(
    *,
    to: str,
    admin_name: str,
    user_name: str,
    service: PublicService,
    reason: str,
    organisation: Organisation,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """A user asked for a right (G8.3): a rights administrator of ``organisation`` is asked to
    decide it under *Anmodninger om rettigheder*."""
    return email_queue(
        to=to,
        template="rights_request_new",
        context={
            "admin_name": admin_name,
            "user_name": user_name,
            "service": service.name,
            "reason": reason,
            "organisation": organisation,
        },
        event_key=event_key,
        language=language,
    )


def _decision_context(*, user_name: str, right_request: RightRequest) -> dict[str, object]:
    return {
        "user_name": user_name,
        "service": right_request.service.name,
        "note": right_request.decision_note,
        "decided_by": right_request.decided_by_name,
        "organisation": right_request.organisation,
    }


def rights_request_approved(
    *,
    to: str,
    user_name: str,
    right_request: RightRequest,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """A rights administrator approved a user's request for a right (G8.3): the user is told,
    with the administrator's answer if any."""
    return email_queue(
        to=to,
        template="rights_request_approved",
        context=_decision_context(user_name=user_name, right_request=right_request),
        event_key=event_key,
        language=language,
    )


def rights_request_rejected(
    *,
    to: str,
    user_name: str,
    right_request: RightRequest,
    event_key: str,
    language: str | None = None,
) -> OutboundEmail | None:
    """A rights administrator rejected a user's request for a right (G8.3): the user is told,
    with the reason if any."""
    return email_queue(
        to=to,
        template="rights_request_rejected",
        context=_decision_context(user_name=user_name, right_request=right_request),
        event_key=event_key,
        language=language,
    )
