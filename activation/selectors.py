"""Read queries of activation: whether a selection names foreign users, and the pending
invitations (the selection itself is ``users.selectors.users_for_selection``)."""

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from activation.models import BulkJob, BulkJobItem, Invitation
from mitid_portal.audit import MEANS_LABELS
from mitid_portal.listing import (
    SORTED_BELOW,
    ListPage,
    ListParams,
    count_capped,
    ordered_slice,
    page_window,
    reversed_order,
    sorted_not_walked,
)
from mitid_portal.models import OutboundEmail
from organisations.models import Organisation
from users.models import User
from users.selectors import UserFilter, users_filter_conditions, users_searched


def ids_outside_organisation(*, organisation: Organisation, ids: list[int]) -> bool:
    """Whether any id is not a user of ``organisation`` (a foreign or made-up id: 404)."""
    unique = set(ids)
    own = User.objects.filter(organisation=organisation, pk__in=unique).count()
    return own != len(unique)


# The sort orders of *Afventer aktivering* (``?sort=udloeber``, ``-udloeber``, …): the soonest
# expiry first by default, then by name (a bulk activation gives thousands the same expiry). The
# name and email orders end in the user's id (one live invitation per user), so that the
# organisation's users-by-name and users-by-email indexes serve them.
PENDING_SORTS: dict[str, tuple[str, ...]] = {
    "udloeber": ("expires_at", "user__last_name", "user__first_name", "user__id"),
    "navn": ("user__last_name", "user__first_name", "user__id"),
    "email": ("user__email", "user__id"),
}
PENDING_COLUMNS = (
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
    "user__bruger_id",
    "user__cpr_hash",
    "user__birth_date",
    "user__last_login",
)


def _user_conditions_given(user_filter: UserFilter | None) -> bool:
    """Whether ``user_filter`` has a condition on the users (other than the means, which the
    invitation holds)."""
    return user_filter is not None and bool(
        user_filter.search
        or user_filter.cpr_hash
        or user_filter.state
        or user_filter.role
        or user_filter.group is not None
        or user_filter.right is not None
        or user_filter.origin
        or user_filter.login_before
    )


def _pending_users(
    *, organisation: Organisation, user_filter: UserFilter | None, walked: bool = False
) -> QuerySet:
    """The organisation's users matching ``user_filter``'s conditions on users (read from the
    organisation's indexes of users: the search's, the name's; ``walked``: the search written to
    be checked on the name index's entries as it is read, ``users_searched``)."""
    users = User._base_manager.filter(organisation=organisation)
    if user_filter is None:
        return users
    users = users_searched(users, user_filter.search, walked_in=organisation if walked else None)
    return users.filter(*users_filter_conditions(replace(user_filter, search="", means="")))


def _live_invitations(
    *,
    organisation: Organisation,
    user_filter: UserFilter | None,
    expiring_days: int | None,
    now: datetime.datetime | None,
) -> QuerySet[Invitation]:
    """The organisation's live invitations with ``user_filter``'s means and the expiry window;
    not yet the conditions on their users."""
    # The base manager: no sandbox condition beside the organisation's (the organisation is its
    # sandbox's), so that the invitations are counted from the index (organisation, state,
    # expires_at) alone.
    invitations = Invitation._base_manager.filter(
        organisation=organisation, state=Invitation.State.LIVE
    )
    if user_filter is not None and user_filter.means:
        invitations = invitations.filter(means__icontains=f'"{user_filter.means}"')
    if expiring_days is not None:
        invitations = invitations_expiring(
            invitations, now=now, within=datetime.timedelta(days=expiring_days)
        )
    return invitations


def invitations_pending(
    *,
    organisation: Organisation,
    user_filter: UserFilter | None = None,
    expiring_days: int | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[Invitation]:
    """*Afventer aktivering*: live invitations, the soonest to expire first; only those whose user
    matches ``user_filter`` (search, means, role, group, right, origin), and with
    ``expiring_days`` only the links that expire within that many days (and have not yet)."""
    invitations = _live_invitations(
        organisation=organisation, user_filter=user_filter, expiring_days=expiring_days, now=now
    )
    if _user_conditions_given(user_filter):
        users = _pending_users(organisation=organisation, user_filter=user_filter)
        invitations = invitations.filter(user_id__in=users.values("pk"))
    return (
        invitations.select_related("user")
        .only(*PENDING_COLUMNS)
        .order_by(*PENDING_SORTS["udloeber"])
    )


def _user_order(order: tuple[str, ...]) -> tuple[str, ...]:
    """An order of invitations by their user's fields as an order of the users."""
    return tuple(
        ("-" if f.startswith("-") else "") + f.removeprefix("-").removeprefix("user__")
        for f in order
    )


def _rows_by_users(
    *,
    organisation: Organisation,
    user_filter: UserFilter | None,
    live: QuerySet[Invitation],
    order: tuple[str, ...],
    total: int,
    start: int,
    end: int,
    more: bool = False,
) -> list[Invitation]:
    """Rows ``start`` … ``end - 1`` (of ``total``, or more when ``more``) of the invitations
    ``live`` in ``order`` (by their user's fields only): the users are read in that order from
    the organisation's index, those with one of the invitations kept (one live invitation per
    user), and the page's invitations read by their users' ids – one query, whose cost is the
    page's rows. From the end in the reversed order in the back half; sorted when ``total`` is
    small."""
    if not total or start >= end:
        return []
    walk = more or total > SORTED_BELOW
    by_user = _user_order(order)
    by_name = by_user[0].removeprefix("-") == "last_name"
    users = _pending_users(
        organisation=organisation, user_filter=user_filter, walked=walk and by_name
    ).filter(Exists(live.filter(user_id=OuterRef("pk"))))
    lead = [] if walk else [sorted_not_walked()]
    if not more and start > total // 2:
        ids = users.order_by(*lead, *reversed_order(by_user))[total - end : total - start]
    else:
        ids = users.order_by(*lead, *by_user)[start:end]
    return list(
        live.filter(user_id__in=ids.values("pk"))
        .select_related("user")
        .only(*PENDING_COLUMNS)
        .order_by(*order)
    )


def invitations_pending_page(
    *,
    organisation: Organisation,
    user_filter: UserFilter | None,
    expiring_days: int | None,
    params: ListParams,
    now: datetime.datetime | None = None,
) -> ListPage:
    """The page of *Afventer aktivering* that ``params`` asks for (the invitations of
    ``invitations_pending`` with the same filter), in two queries whatever the organisation's
    size:

    1. the number of invitations per expiry time (from the index (organisation, state,
       expires_at) alone when no condition on users is given) – their sum is the list's count;
    2. the page's rows. Within one expiry the order is the user's name, which the organisation's
       users-by-name index serves: the users are read in name order, those with a live
       invitation kept (``_rows_by_users``), so a page of an expiry shared by 100,000 users reads
       only its own rows. A page that spans several expiries is read from just those, sorted (a
       page's worth of expiries each big is rare: one bulk activation gives one expiry).

    The name and email orders are read the same way through their users' indexes. A search in
    those orders is counted up to ``COUNT_CAP`` (``listing.count_capped``): the users it finds
    with a live invitation, not the invitations per expiry."""
    live = _live_invitations(
        organisation=organisation, user_filter=user_filter, expiring_days=expiring_days, now=now
    )
    by_users = partial(_rows_by_users, organisation=organisation, user_filter=user_filter)
    if (
        user_filter is not None
        and user_filter.search
        and params.sort.removeprefix("-") != "udloeber"
    ):
        found = _pending_users(organisation=organisation, user_filter=user_filter).filter(
            Exists(live.filter(user_id=OuterRef("pk")))
        )
        total, more = count_capped(found, params=params)
        number, start, end = page_window(total, params=params)
        found_rows = by_users(
            live=live, order=params.order, total=total, start=start, end=end, more=more
        )
        return ListPage(
            object_list=found_rows, number=number, per_page=params.per_page, count=total, more=more
        )
    invitations = invitations_pending(
        organisation=organisation, user_filter=user_filter, expiring_days=expiring_days, now=now
    )
    groups = list(
        invitations.order_by()
        .values_list("expires_at")
        .annotate(n=Count("pk"))
        .order_by("expires_at")
        .values_list("expires_at", "n")
    )
    total = sum(n for _expires, n in groups)
    number, start, end = page_window(total, params=params)
    read: list[Invitation] = []
    if params.sort.removeprefix("-") != "udloeber":
        read = by_users(live=live, order=params.order, total=total, start=start, end=end)
        return ListPage(object_list=read, number=number, per_page=params.per_page, count=total)
    if params.sort.startswith("-"):
        groups.reverse()
    spanned: list[tuple[datetime.datetime, int, int]] = []  # (expiry, rows, rows before it)
    before = 0
    for expires_at, n in groups:
        if before < end and before + n > start:
            spanned.append((expires_at, n, before))
        before += n
    if len(spanned) == 1:
        expires_at, n, before = spanned[0]
        read = by_users(
            live=live.filter(expires_at=expires_at),
            order=params.order[1:],
            total=n,
            start=start - before,
            end=end - before,
        )
    elif spanned:
        times = [expires_at for expires_at, _n, _before in spanned]
        first_before = spanned[0][2]
        read = ordered_slice(
            invitations.filter(expires_at__gte=min(times), expires_at__lte=max(times)),
            order=params.order,
            total=sum(n for _expires, n, _before in spanned),
            start=start - first_before,
            end=end - first_before,
        )
    return ListPage(object_list=read, number=number, per_page=params.per_page, count=total)


EXPIRING_WITHIN = datetime.timedelta(days=7)


def invitations_expiring(
    invitations: QuerySet[Invitation],
    *,
    now: datetime.datetime | None = None,
    within: datetime.timedelta = EXPIRING_WITHIN,
) -> QuerySet[Invitation]:
    """Of ``invitations``, the live links that expire within 7 days (or ``within``) and have not
    yet: the migration overview's bar and the list behind it count the same rows."""
    now = now or timezone.now()
    return invitations.filter(
        state=Invitation.State.LIVE, expires_at__gt=now, expires_at__lte=now + within
    )


def pending_export_rows(*, invitations: QuerySet[Invitation]) -> Iterator[tuple]:
    """The rows of *Afventer aktivering*'s CSV export (no CPR), streamed in chunks of 2,000 in
    the list's order: first name, last name, email, bruger-ID, RID, means, expires."""
    zone = timezone.get_current_timezone()
    rows = invitations.values_list(
        "user__first_name",
        "user__last_name",
        "user__email",
        "user__bruger_id",
        "user__rid",
        "means",
        "expires_at",
    ).iterator(chunk_size=2000)
    for first, last, email, bruger_id, rid, means, expires_at in rows:
        yield (
            first,
            last,
            email,
            bruger_id or "",
            rid,
            ", ".join(str(MEANS_LABELS.get(m, m)) for m in means or ()),
            timezone.localtime(expires_at, zone).strftime("%Y-%m-%d %H:%M"),
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


# --- Codes for birth-date users in bulk (issue 14) ---------------------------------------------


def invitations_codes_unrevealed(
    *,
    organisation: Organisation,
    since: datetime.datetime | None = None,
    job: BulkJob | None = None,
) -> QuerySet[Invitation]:
    """The organisation's live invitations whose user needs the temporary activation code (birth
    date only) and whose code has not been shown yet, by name. With ``since`` only those created
    at or after it (one call of the activation start gives all its invitations the same
    ``created_at``); with ``job`` only those a bulk activation job started (its users, created
    since the job was)."""
    invitations = Invitation.objects.filter(
        organisation=organisation,
        state=Invitation.State.LIVE,
        code_revealed_at__isnull=True,
    ).exclude(code_hash="")
    if since is not None:
        invitations = invitations.filter(created_at__gte=since)
    if job is not None:
        invitations = invitations.filter(
            created_at__gte=job.created_at,
            user__in=BulkJobItem.objects.filter(job=job, outcome=BulkJobItem.Outcome.OK).values(
                "user_id"
            ),
        )
    return invitations.select_related("user").order_by("user__last_name", "user__first_name", "pk")


@dataclass(frozen=True)
class CodesStart:
    """The latest activation start with codes not shown yet: when, by which bulk activation job
    (None: a start within one request), and how many of its codes wait."""

    started_at: datetime.datetime
    job: BulkJob | None
    count: int


_ACTIVATE_JOB = "activate"  # activation.services.bulkjobs.ACTIVATE (selectors import no services)


def invitations_codes_latest_start(*, organisation: Organisation) -> CodesStart | None:
    """The latest activation start whose codes are not all shown yet (None: no code waits). A
    bulk activation job starts its users chunk by chunk, so the start is the job when the
    latest such invitation was made while the job ran. Three queries."""
    unrevealed = invitations_codes_unrevealed(organisation=organisation)
    latest = unrevealed.aggregate(latest=Max("created_at"))["latest"]
    if latest is None:
        return None
    job = (
        BulkJob.objects.filter(
            organisation=organisation, action=_ACTIVATE_JOB, created_at__lte=latest
        )
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=latest))
        .order_by("-created_at")
        .first()
    )
    if job is not None:
        count = invitations_codes_unrevealed(organisation=organisation, job=job).count()
        return CodesStart(started_at=job.created_at, job=job, count=count)
    count = unrevealed.filter(created_at=latest).count()
    return CodesStart(started_at=latest, job=None, count=count)


# --- Delivery state of the activation emails (issue 14) ----------------------------------------

# The outbox row of an invitation's activation link email (``activation.services.start`` and
# ``invitation_resend`` queue it with this event key).
LINK_EVENT_PREFIX = "activation-link-"
DELIVERY_QUEUED = OutboundEmail.State.QUEUED.value
DELIVERY_SENT = OutboundEmail.State.SENT.value
DELIVERY_FAILED = OutboundEmail.State.FAILED.value
DELIVERY_NONE = "none"  # no email: the user has no email address
# The states in the order the lists show them (failed first); a state's index is its rank.
DELIVERY_STATES = (DELIVERY_FAILED, DELIVERY_QUEUED, DELIVERY_NONE, DELIVERY_SENT)
_RANK = {state: rank for rank, state in enumerate(DELIVERY_STATES)}


def delivery_state_of_rank(rank: int) -> str:
    return DELIVERY_STATES[rank]


def _link_email(column: str | None = None) -> Subquery:
    """One column of the invitation's link email (``column``), or its state as a rank."""
    emails = OutboundEmail.objects.filter(
        event_key=Concat(
            Value(LINK_EVENT_PREFIX),
            Cast(OuterRef("pk"), output_field=CharField()),
            output_field=CharField(),
        )
    )
    if column is None:
        emails = emails.annotate(
            rank=Case(
                *(
                    When(state=s, then=Value(_RANK[s]))
                    for s in DELIVERY_STATES
                    if s != DELIVERY_NONE
                ),
                default=Value(_RANK[DELIVERY_QUEUED]),
                output_field=IntegerField(),
            )
        )
        column = "rank"
    return Subquery(emails.values(column)[:1])


def _current(organisation: Organisation) -> QuerySet[WithAnnotations[Invitation]]:
    """The organisation's current activations: live, or used by the user (a replaced link's
    email is superseded by the new link's, a cancelled one does not matter any more), each with
    its link email's state as ``email_rank`` (the index in DELIVERY_STATES)."""
    return Invitation.objects.filter(
        organisation=organisation,
        state__in=(Invitation.State.LIVE, Invitation.State.USED),
    ).annotate(email_rank=Coalesce(_link_email(), Value(_RANK[DELIVERY_NONE])))


def invitations_delivery(
    *, organisation: Organisation, state: str | None = None, details: bool = False
) -> QuerySet[WithAnnotations[Invitation]]:
    """The organisation's current activations with the delivery of their activation link email
    as ``email_rank`` (see ``delivery_state_of_rank``: queued, sent, failed, or ``none`` when no
    email was queued because the user has no address); with ``state`` only those in that state.
    Failed first, then queued, without email, sent; by name. One query, whatever the size.

    ``details`` adds the email's ``email_error`` (the last failure), ``email_attempts`` and
    ``email_sent_at`` to every row (the CSV); a page of rows gets them from
    ``invitations_delivery_details`` instead, so the other rows' emails are not read."""
    invitations = (
        _current(organisation)
        .select_related("user")
        .only(
            "id",
            "organisation_id",
            "state",
            "created_at",
            "expires_at",
            "user__id",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__bruger_id",
        )
    )
    if state is not None:
        invitations = invitations.filter(Q(email_rank=_RANK[state]))
    if details:
        invitations = invitations.annotate(
            email_error=_link_email("last_error"),
            email_attempts=_link_email("attempts"),
            email_sent_at=_link_email("sent_at"),
        )
    # The annotation is not a field that the type checker's plugin knows.
    return invitations.order_by(  # type: ignore[misc]
        "email_rank", "user__last_name", "user__first_name", "pk"
    )


def invitations_delivery_details(invitations: list[Any]) -> None:
    """Sets ``email_error``, ``email_attempts`` and ``email_sent_at`` on each of ``invitations``
    (a page of ``invitations_delivery``) from their link emails. One query."""
    keys = {f"{LINK_EVENT_PREFIX}{invitation.pk}": invitation for invitation in invitations}
    emails = OutboundEmail.objects.filter(event_key__in=list(keys)).values_list(
        "event_key", "last_error", "attempts", "sent_at"
    )
    found = {key: rest for key, *rest in emails}
    for key, invitation in keys.items():
        invitation.email_error, invitation.email_attempts, invitation.email_sent_at = found.get(
            key, ("", 0, None)
        )


def invitations_delivery_totals(*, organisation: Organisation) -> dict[str, int]:
    """How many of the organisation's current activation emails are in each delivery state
    (every state of DELIVERY_STATES, 0 when none). One query."""
    rows = (
        _current(organisation)
        .order_by()
        .values("email_rank")  # type: ignore[misc]
        .annotate(n=Count("id"))
        .values_list("email_rank", "n")
    )
    totals = dict.fromkeys(DELIVERY_STATES, 0)
    for rank, n in rows:
        totals[delivery_state_of_rank(rank)] += n
    return totals


def invitation_email_delivery(*, invitation: Invitation) -> Mapping[str, object] | None:
    """The delivery of one invitation's activation link email (state, last_error, attempts,
    sent_at, created_at), or None when none was queued. One query."""
    return (
        OutboundEmail.objects.filter(event_key=f"{LINK_EVENT_PREFIX}{invitation.pk}")
        .values("state", "last_error", "attempts", "sent_at", "created_at")
        .first()
    )
