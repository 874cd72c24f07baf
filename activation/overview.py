"""*Overblik*: the migration overview of the administrator's front page area (DESIGN.md
"Administration"): the share of users migrated (active), the users by status (imported, awaiting
activation, active, suspended) as bars, the links expiring within 7 days as a figure of their own,
and the activations of each of the last 14 days. The bars are HTML labels and numbers beside SVG
bars whose width is a percentage, so the text stays the page's own size at every width; each
status and the expiring links lead to the lists behind them. Three queries, whatever the size of
the organisation. It counts users and their invitations, so it lives with the orchestration
above both; the page is ``activation.views.migration_overview``.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from activation.models import Invitation
from activation.selectors import invitations_expiring
from mitid_portal.identity import UserState
from organisations.models import Organisation
from users.models import User

# A bar of a count above zero is never thinner than this (per cent of the track).
BAR_MIN_PERCENT = 1.0


# --- Reads --------------------------------------------------------------------------------------


def migration_counts(*, organisation: Organisation, now: datetime.datetime | None = None) -> dict:
    """Users by state (one aggregate query) and live links that expire within 7 days (one)."""
    now = now or timezone.now()
    users = User.objects.filter(organisation=organisation).aggregate(
        imported=Count("id", filter=Q(state=UserState.IMPORTED)),
        awaiting=Count("id", filter=Q(state=UserState.AWAITING)),
        active=Count("id", filter=Q(state=UserState.ACTIVE)),
        suspended=Count("id", filter=Q(state=UserState.SUSPENDED)),
    )
    expiring = invitations_expiring(
        Invitation.objects.filter(organisation=organisation), now=now
    ).count()
    return users | {"expiring": expiring}


# --- The figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar: an HTML label and number beside an SVG bar as wide as ``percent`` of its track
    (an SVG attribute, not a style, under the CSP)."""

    key: str
    label: str
    count: int
    url: str
    percent: float

    @property
    def width(self) -> str:
        return f"{self.percent:g}%"


def _percent(count: int, largest: int) -> float:
    percent = round(100 * count / max(largest, 1), 1)
    return max(percent, BAR_MIN_PERCENT) if count else 0.0


def _bar_specs() -> list[tuple[str, str | StrPromise, str]]:
    """Each status bar's key, label and the list behind it, which counts the same rows."""
    users_list = reverse("users:list")
    return [
        ("imported", _("Importeret, ikke aktiveret"), reverse("users:imported")),
        ("awaiting", _("Afventer aktivering"), f"{users_list}?state=awaiting"),
        ("active", _("Aktive"), f"{users_list}?state=active"),
        ("suspended", _("Suspenderede"), f"{users_list}?state=suspended"),
    ]


def chart_bars(counts: dict) -> list[Bar]:
    """The users by status: one bar per state, as wide as its share of the largest count (a
    count above zero is always visible)."""
    largest = max(counts.get(key, 0) for key, _label, _url in _bar_specs())
    return [
        Bar(
            key=key,
            label=str(label),
            count=counts.get(key, 0),
            url=url,
            percent=_percent(counts.get(key, 0), largest),
        )
        for key, label, url in _bar_specs()
    ]


def expiring_figure(counts: dict) -> Bar:
    """The live links that expire within 7 days: a figure of its own (not a state of users),
    with the list behind it."""
    return Bar(
        key="expiring",
        label=str(_("Links der udløber inden 7 dage")),
        count=counts.get("expiring", 0),
        url=f"{reverse('activation:pending')}?udloeber=7",
        percent=0.0,
    )


def migrated_percent(counts: dict) -> int:
    """The share of the organisation's users who are active, in whole per cent (rounded down,
    so that 100 % means every one)."""
    total = sum(counts.get(key, 0) for key, _label, _url in _bar_specs())
    return 100 * counts.get("active", 0) // total if total else 0


@dataclass(frozen=True)
class Day:
    day: datetime.date
    count: int
    percent: float

    @property
    def width(self) -> str:
        return f"{self.percent:g}%"


def activation_days(per_day: list[tuple[datetime.date, int]]) -> list[Day]:
    """Activations per day as bars, as wide as their share of the busiest day."""
    largest = max([count for _day, count in per_day] + [0])
    return [Day(day=day, count=count, percent=_percent(count, largest)) for day, count in per_day]
