"""Read queries of the login broker: who may log in to a service, with which means, and which of
the service's rights they hold."""

from django.db.models import Q

from activation.models import LoginEvent
from broker.models import Client
from mitid_portal.identity import UserState
from organisations.models import UserGroup, UserRight
from users.models import User


def service_client_get(*, client_id: str) -> Client | None:
    """The registered service provider ``client_id`` of this exercise, or None."""
    return (
        Client.objects.filter(client_id=client_id, kind=Client.Kind.SERVICE, revoked_at=None)
        .select_related("public_service")
        .first()
    )


def service_login_refusal(*, user: User) -> str | None:
    """Why ``user`` may not log in to a public service, or None when they may: only an active
    user of an organisation logs in (not an operator, not a user who is suspended, closed or has
    not activated yet, even when an administrator's role let them into the portal)."""
    if user.organisation_id is None:
        return "no_organisation"
    if user.state != UserState.ACTIVE or not user.is_active:
        return str(user.state)
    return None


def login_means_latest(*, user: User) -> str:
    """The means of ``user``'s latest login to MitID Erhverv itself (a login to a service is
    recorded with its service and is not one), or "" if none is known: for a session signed in
    before its login's means was kept in it (``LOGIN_MEANS_SESSION_KEY``)."""
    return (
        LoginEvent.objects.filter(user=user, service="", succeeded=True)
        .order_by("-created_at", "-pk")
        .values_list("means", flat=True)
        .first()
        or ""
    )


def user_holds_service(*, user: User, service_id: int) -> bool:
    """Whether ``user`` holds the right to the public service: directly, or through a user group
    of their organisation. Read afresh at every login, so a right removed is gone at the next."""
    if UserRight.objects.filter(user=user, service_id=service_id).exists():
        return True
    return UserGroup.objects.filter(
        Q(organisation_id=user.organisation_id), members=user, services=service_id
    ).exists()


def person_refused_user(*, cpr_hash: str) -> User | None:
    """For a person signed in with private MitID who is no active user of any organisation: one
    of their users (suspended, closed or not activated), whose refusal the broker records; None
    when the person has an active user (who logs in with a bruger-ID) or no user at all."""
    users = User.objects.filter(cpr_hash=cpr_hash, organisation__isnull=False).select_related(
        "organisation"
    )
    if users.filter(state=UserState.ACTIVE).exists():
        return None
    return users.order_by("organisation__name", "pk").first()
