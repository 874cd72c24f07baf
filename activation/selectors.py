"""Read queries of activation: whether a selection names foreign users, and the pending
invitations (the selection itself is ``users.selectors.users_for_selection``)."""

import datetime

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from activation.models import Invitation
from organisations.models import Organisation
from users.models import User


def ids_outside_organisation(*, organisation: Organisation, ids: list[int]) -> bool:
    """Whether any id is not a user of ``organisation`` (a foreign or made-up id: 404)."""
    unique = set(ids)
    own = User.objects.filter(organisation=organisation, pk__in=unique).count()
    return own != len(unique)


def invitations_pending(*, organisation: Organisation) -> QuerySet[Invitation]:
    """*Afventer aktivering*: live invitations, the soonest to expire first."""
    return (
        Invitation.objects.filter(organisation=organisation, state=Invitation.State.LIVE)
        .select_related("user")
        .only(
            "id",
            "organisation_id",
            "means",
            "code_hash",
            "code_revealed_at",
            "expires_at",
            "reminded_at",
            "created_at",
            "state",
            "user__id",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__rid",
            "user__cpr_hash",
            "user__birth_date",
        )
        .order_by("expires_at", "pk")
    )


EXPIRING_WITHIN = datetime.timedelta(days=7)


def invitations_expiring(
    invitations: QuerySet[Invitation], *, now: datetime.datetime | None = None
) -> QuerySet[Invitation]:
    """Of ``invitations``, the live links that expire within 7 days (and have not yet): the
    migration overview's bar and the list behind it count the same rows."""
    now = now or timezone.now()
    return invitations.filter(
        state=Invitation.State.LIVE, expires_at__gt=now, expires_at__lte=now + EXPIRING_WITHIN
    )


def invitation_live_of_user(*, user: User) -> Invitation | None:
    return (
        Invitation.objects.filter(user=user, state=Invitation.State.LIVE)
        .select_related("user", "organisation")
        .first()
    )


ACTIVATIONS_DAYS = 14


def activations_per_day(
    *,
    organisation: Organisation,
    days: int = ACTIVATIONS_DAYS,
    now: datetime.datetime | None = None,
) -> list[tuple[datetime.date, int]]:
    """*Overblik*: the users who activated themselves (their invitation used) on each of the last
    ``days`` days up to today, in the portal's time zone, oldest first; a day without any is 0.
    One query, whatever the size of the organisation."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    first = today - datetime.timedelta(days=days - 1)
    since = datetime.datetime.combine(first, datetime.time.min, tzinfo=zone)
    rows = (
        Invitation.objects.filter(
            organisation=organisation,
            state=Invitation.State.USED,
            used_at__gte=since,
            used_at__lte=now,
        )
        .annotate(day=TruncDate("used_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    counted = dict(rows)
    return [
        (day, counted.get(day, 0))
        for day in (first + datetime.timedelta(days=i) for i in range(days))
    ]
