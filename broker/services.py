"""State changes of the login broker: a login to a public service recorded (the user's login
history and the Revisionslog), a refusal recorded, and a service provider registered."""

from django.db import transaction
from django.http import HttpRequest

from activation.models import LoginEvent
from broker.claims import level_of_assurance
from broker.models import Client
from mitid_portal.audit import audit_record, client_ip
from mitid_portal.models import AuditAction
from users.models import User


@transaction.atomic
def service_login_record(
    *, user: User, client: Client, means: str, request: HttpRequest | None = None
) -> LoginEvent:
    """``user`` logged in to ``client``'s service through the broker with ``means``: one entry
    in their login history (*Min profil*) and one in the organisation's Revisionslog."""
    event = LoginEvent(
        user=user, means=means, service=client.name, ip_address=client_ip(request) or None
    )
    event.full_clean()
    event.save()
    audit_record(
        action=AuditAction.SERVICE_LOGIN,
        actor_name=user.full_name or user.username,
        actor_user=user,
        organisation=user.organisation,
        target=client.name,
        changes={"means": means, "sikringsniveau": level_of_assurance(means)} if means else {},
        request=request,
    )
    return event


@transaction.atomic
def service_login_refuse(
    *, user: User, client: Client, reason: str, request: HttpRequest | None = None
) -> None:
    """The broker refused ``user`` a login to ``client``'s service (``reason`` as
    ``broker.selectors.service_login_refusal`` gives it: the user's state, or no organisation):
    recorded in the Revisionslog as a user who is not active in MitID Erhverv."""
    audit_record(
        action=AuditAction.SERVICE_LOGIN_REFUSED,
        actor_name=user.full_name or user.username,
        actor_user=user,
        organisation=user.organisation,
        target=client.name,
        changes={"reason": "user_not_active"},
        request=request,
    )


@transaction.atomic
def service_provider_register(
    *, client: Client, actor_name: str, actor_user=None, request: HttpRequest | None = None
) -> Client:
    """Register the new service provider ``client`` (filled in by an operator or the demo
    seeder): a confidential client of the authorization code flow with PKCE, signing its ID
    tokens with RS256, never asking the user for consent (the public broker does not)."""
    client.kind = Client.Kind.SERVICE
    client.client_type = Client.CLIENT_CONFIDENTIAL
    client.authorization_grant_type = Client.GRANT_AUTHORIZATION_CODE
    client.algorithm = Client.RS256_ALGORITHM
    client.skip_authorization = True
    client.created_by_name = client.created_by_name or actor_name
    client.full_clean()
    client.save()
    audit_record(
        action=AuditAction.SERVICE_PROVIDER_REGISTERED,
        actor_name=actor_name,
        actor_user=actor_user,
        target=f"{client.name} ({client.client_id})",
        changes={"tjeneste": client.public_service.name} if client.public_service else {},
        request=request,
    )
    return client
