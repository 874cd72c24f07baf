"""*Overblik*: the migration overview of the administrator's front page area (DESIGN.md
"Administration"): imported, awaiting activation, active, suspended, and links expiring within 7
days, as a server-rendered SVG bar chart with the numbers beside the bars, the same numbers in a
table, and links to the lists behind each bar. Two queries, whatever the size of the organisation.
It counts users and their invitations, so it lives with the orchestration above both; the page is
``activation.views.migration_overview``.
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

# The drawing, in SVG user units (the picture scales with the page).
CHART_WIDTH = 640
LABEL_WIDTH = 230
BAR_MAX = 330
BAR_HEIGHT = 28
BAR_GAP = 14
TOP = 10


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


# --- The chart ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    url: str
    y: int
    width: int

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT // 2 + 5

    @property
    def number_x(self) -> int:
        return LABEL_WIDTH + self.width + 8


def _bar_specs() -> list[tuple[str, str | StrPromise, str]]:
    """Each bar's key, label and the list behind it, which counts the same rows as the bar."""
    users_list = reverse("users:list")
    return [
        ("imported", _("Importeret, ikke aktiveret"), reverse("users:imported")),
        ("awaiting", _("Afventer aktivering"), f"{users_list}?state=awaiting"),
        ("active", _("Aktive"), f"{users_list}?state=active"),
        ("suspended", _("Suspenderede"), f"{users_list}?state=suspended"),
        (
            "expiring",
            _("Links der udløber inden 7 dage"),
            f"{reverse('activation:pending')}?udloeber=7",
        ),
    ]


def chart_bars(counts: dict) -> list[Bar]:
    """One bar per count, as wide as its share of the largest count (a count above zero is
    always visible)."""
    largest = max([counts.get(key, 0) for key, _label, _url in _bar_specs()] + [1])
    bars = []
    for i, (key, label, url) in enumerate(_bar_specs()):
        count = counts.get(key, 0)
        width = round(BAR_MAX * count / largest)
        if count and width < 2:
            width = 2
        bars.append(
            Bar(
                key=key,
                label=str(label),
                count=count,
                url=url,
                y=TOP + i * (BAR_HEIGHT + BAR_GAP),
                width=width,
            )
        )
    return bars


def chart_height(bars: list[Bar]) -> int:
    return TOP * 2 + len(bars) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP


def chart_geometry(bars: list[Bar]) -> dict:
    """The drawing's measures for the template."""
    return {
        "width": CHART_WIDTH,
        "height": chart_height(bars),
        "label_x": LABEL_WIDTH - 10,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "bar_max": BAR_MAX,
    }
