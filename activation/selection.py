"""The users a list shows under its filter: the selection contract between the lists (*Brugere*,
*Importerede brugere*, *Afventer aktivering*) and the bulk actions.

A list's bulk form posts ``source`` (which list) and either the marked ``user`` ids or
``all_matching=1`` with ``filter``, the list's own GET query string. ``selection_users`` turns
``source`` and the parsed ``filter`` into exactly the users that list shows under that filter, so
"Vælg alle N, der matcher" means the same users on the list and in the action (a search that
finds more than the list counts says "mere end N"; the confirm page names the exact number). The
parameters are
validated by the lists' own filter forms. On the list an invalid value filters nothing (with a
notice); a selection with an invalid value is refused (``InvalidFilter``): a group deleted since the
list was shown must not turn "all in the group" into "all".
"""

from collections.abc import Mapping

from django.core.exceptions import TooManyFieldsSent
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from activation import selectors
from mitid_portal import cpr_search
from organisations.models import Organisation
from users.forms import UserListFilterForm
from users.models import User
from users.selectors import LISTED_STATES, users_imported, users_listed

SOURCE_BRUGERE = "brugere"
SOURCE_IMPORTEREDE = "importerede"
SOURCE_AFVENTER = "afventer"
SOURCES = (SOURCE_BRUGERE, SOURCE_IMPORTEREDE, SOURCE_AFVENTER)

# *Afventer aktivering*'s filters; ``udloeber`` (days) keeps the links that expire within them.
FIELDS_AFVENTER = ("q", "cpr", "means", "role", "group", "right", "origin", "udloeber")


class UnknownSource(ValueError):
    """``source`` names no list."""


class InvalidFilter(ValueError):
    """A selection's filter has a value the list no longer accepts (or is not a query string)."""


FILTER_GONE = _(
    "Filteret er ikke længere gyldigt (fx er en gruppe slettet). Vis listen igen, og markér "
    "brugerne på ny."
)


def selection_filter(*, organisation: Organisation, source: str, query: str) -> str:
    """The list ``source``'s filter ``query`` (a GET query string) validated and normalised, to
    keep for a later step: only the list's own fields, a CPR search as its token. Raises
    ``InvalidFilter``."""
    form = list_filter_form(organisation=organisation, source=source, params=_parsed(query))
    if form.errors:
        raise InvalidFilter(query)
    kept = form.query()
    if token := cpr_search.cpr_token(kept.get("q", "")):
        del kept["q"]
        kept["cpr"] = token
    return urlencode(kept)


def _parsed(query: str) -> QueryDict:
    try:
        return QueryDict(query)
    except TooManyFieldsSent as exc:
        raise InvalidFilter(query) from exc


def list_filter_form(
    *, organisation: Organisation, source: str, params: Mapping[str, str]
) -> UserListFilterForm:
    """The bound filter form of the list ``source`` (validated)."""
    if source == SOURCE_BRUGERE:
        form = UserListFilterForm(
            params,
            states=LISTED_STATES,
            organisation=organisation,
            fields=UserListFilterForm.FIELDS_BRUGERE,
        )
    elif source == SOURCE_IMPORTEREDE:
        form = UserListFilterForm(
            params, organisation=organisation, fields=UserListFilterForm.FIELDS_IMPORTEREDE
        )
    elif source == SOURCE_AFVENTER:
        form = UserListFilterForm(params, organisation=organisation, fields=FIELDS_AFVENTER)
    else:
        raise UnknownSource(source)
    form.is_valid()
    return form


def expiring_days(form: UserListFilterForm) -> int | None:
    """*Afventer aktivering*'s ``?udloeber=N`` (1–365 days) when valid; else None (all)."""
    return getattr(form, "cleaned_data", {}).get("udloeber")


def selection_users(
    *, organisation: Organisation, source: str, params: Mapping[str, str]
) -> QuerySet[User]:
    """The users the list ``source`` ("brugere" | "importerede" | "afventer") shows under the GET
    filter ``params`` (unordered); only the organisation's own users. Raises ``UnknownSource``,
    and ``InvalidFilter`` when a value of ``params`` is not valid (the list would ignore it)."""
    form = list_filter_form(organisation=organisation, source=source, params=params)
    if form.errors:
        raise InvalidFilter(dict(params))
    user_filter = form.user_filter()
    if source == SOURCE_BRUGERE:
        return users_listed(organisation=organisation, user_filter=user_filter).order_by()
    if source == SOURCE_IMPORTEREDE:
        return users_imported(organisation=organisation, user_filter=user_filter).order_by()
    invitations = selectors.invitations_pending(
        organisation=organisation, user_filter=user_filter, expiring_days=expiring_days(form)
    )
    return User.objects.filter(
        organisation=organisation, pk__in=invitations.order_by().values("user_id")
    )
