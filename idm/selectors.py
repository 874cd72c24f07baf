"""Read queries of the IdM API: an organisation's API clients, and its users and groups as SCIM
sees them (annotated with the SCIM fields the filters compare: ``scim_user_name``,
``scim_external_id``, ``scim_display_name``, ``scim_last_modified``)."""

from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, NullIf

from broker.models import Client
from mitid_portal.identity import UserState
from organisations.models import Organisation, UserGroup
from users.models import User


def api_clients_of(*, organisation: Organisation) -> QuerySet[Client]:
    """The organisation's local IdM clients, newest first (revoked ones too, for the record)."""
    return Client.objects.filter(organisation=organisation, kind=Client.Kind.IDM).order_by(
        "-created", "-id"
    )


def scim_users(*, organisation: Organisation) -> QuerySet[User]:
    """The organisation's users as the SCIM API serves them: every user but the closed ones (a
    closed user is gone for the API: DELETE closes)."""
    return (
        User.objects.filter(organisation=organisation)
        .exclude(state=UserState.CLOSED)
        .select_related("scim")
        .annotate(
            scim_user_name=Coalesce(
                NullIf(F("scim__user_name"), Value("")), F("bruger_id"), F("username")
            ),
            scim_external_id=Coalesce(F("scim__external_id"), Value("")),
            scim_display_name=Concat(F("first_name"), Value(" "), F("last_name")),
            scim_last_modified=Coalesce(F("scim__last_modified"), F("date_joined")),
        )
        .order_by("pk")
    )


def scim_groups(*, organisation: Organisation) -> QuerySet[UserGroup]:
    return (
        UserGroup.objects.filter(organisation=organisation)
        .select_related("scim")
        .annotate(
            scim_external_id=Coalesce(F("scim__external_id"), Value("")),
            scim_last_modified=Coalesce(F("scim__last_modified"), F("created_at")),
        )
        .order_by("pk")
    )
