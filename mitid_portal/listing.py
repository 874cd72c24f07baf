"""The list toolkit of the administrators' lists (issue 14, "Lists fit for thousands"): the sort
parameter checked against the columns a list allows, the page size (25/50/100/200), the page
number with "jump to page", the sortable column headers (``aria-sort``) and a page that stays
cheap on the last page of 200,000 rows.

A list's view calls ``list_params`` on its GET parameters, orders its queryset with the chosen
sort and hands it to ``list_page``. The page counts the rows once; a page in the back half is
read in the reversed order from the end (``OFFSET`` counted from the nearer end, so the last page
costs what the first one does when an index serves the order), then turned back in Python.
``includes/list_controls.html`` renders the pagination, the jump and the page size.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, IntegerField, QuerySet
from django.db.models.expressions import Combinable, ExpressionWrapper
from django.utils.http import urlencode

PAGE_SIZES = (25, 50, 100, 200)
PAGE_PARAMETER = "side"
SIZE_PARAMETER = "antal"
SORT_PARAMETER = "sort"


@dataclass(frozen=True)
class ListParams:
    """The validated sort (``"navn"`` or ``"-navn"``), page size and requested page number."""

    sort: str
    order: tuple[str, ...]
    per_page: int
    page: int | None  # None: the parameter was missing or not a number (the first page)
    last: bool  # ?side=sidste: the last page


def reversed_order(order: Sequence[str]) -> tuple[str, ...]:
    return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in order)


def list_params(
    params: Mapping[str, str],
    *,
    sorts: Mapping[str, Sequence[str]],
    default_sort: str,
    default_size: int = PAGE_SIZES[0],
) -> ListParams:
    """The list's sort, page size and page from its GET ``params``. A sort not among ``sorts``
    (``-`` before a key sorts descending) is the default; a page size not among ``PAGE_SIZES``
    is ``default_size``."""
    sort = (params.get(SORT_PARAMETER) or "").strip()
    key = sort.removeprefix("-")
    if key not in sorts:
        sort, key = default_sort, default_sort.removeprefix("-")
    order = tuple(sorts[key])
    if sort.startswith("-"):
        order = reversed_order(order)
    size_text = (params.get(SIZE_PARAMETER) or "").strip()
    per_page = (
        int(size_text)
        if size_text.isascii() and size_text.isdigit() and int(size_text) in PAGE_SIZES
        else 0
    )
    page_text = (params.get(PAGE_PARAMETER) or "").strip()
    return ListParams(
        sort=sort,
        order=order,
        per_page=per_page or default_size,
        page=int(page_text) if page_text.isascii() and page_text.isdigit() else None,
        last=page_text == "sidste",
    )


@dataclass
class ListPage:
    """One page of a list; the attribute names of Django's ``Page`` and ``Paginator`` (templates
    and tests read ``page.paginator.count``)."""

    object_list: list
    number: int
    per_page: int
    count: int
    # The count is a lower bound: a search found more rows than were counted (``COUNT_CAP``);
    # the pages beyond the counted ones are reached by "Næste" and by jumping to them.
    more: bool = False
    num_pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.num_pages = max(1, -(-self.count // self.per_page))

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def paginator(self) -> "ListPage":
        return self

    def has_next(self) -> bool:
        return self.number < self.num_pages or self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.num_pages > 1 or self.more

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return 0 if not self.count else (self.number - 1) * self.per_page + 1

    def end_index(self) -> int:
        return min(self.number * self.per_page, self.count)

    def page_links(self) -> list[int | None]:
        """The page numbers to link: the first, the last and two either side of this one; None
        where numbers are left out (an ellipsis). Without the last when it is not known
        (``more``): an ellipsis ends them."""
        shown = {1, *range(self.number - 2, self.number + 3)}
        if not self.more:
            shown.add(self.num_pages)
        numbers = sorted(n for n in shown if 1 <= n <= self.num_pages)
        links: list[int | None] = []
        for n in numbers:
            if links and n - (links[-1] or 0) > 1:
                links.append(None)
            links.append(n)
        if self.more:
            links.append(None)
        return links


# At most this many rows are sorted rather than read in an index's order: a search that finds
# few rows among many (an email's beginning among 200,000 users) is read through the search's
# indexes and sorted, instead of walking the whole order's index past rows that do not match.
SORTED_BELOW = 2000
# A searched list counts at most this many rows (then says "more than"): a search that finds
# 20,000 of 200,000 users costs what one that finds 2,000 does. Pages past the counted rows (and
# the last page) count them all.
COUNT_CAP = SORTED_BELOW


def sorted_not_walked() -> Combinable:
    """An ordering term (always 0) that no index serves: put first, it makes the database find
    the rows by the filter's indexes and sort them, whatever it guesses about their number."""
    return ExpressionWrapper(F("pk") * 0, output_field=IntegerField())


def page_window(total: int, *, params: ListParams) -> tuple[int, int, int]:
    """The page ``params`` asks for among ``total`` rows: (number, start, end) with
    ``start``/``end`` row offsets; a page past the end is the last one."""
    per_page = params.per_page
    num_pages = max(1, -(-total // per_page))
    number = num_pages if params.last else min(max(params.page or 1, 1), num_pages)
    start = (number - 1) * per_page
    return number, start, min(start + per_page, total)


def ordered_slice(
    queryset: QuerySet,
    *,
    order: Sequence[str],
    total: int,
    start: int,
    end: int,
    more: bool = False,
    walked: QuerySet | None = None,
) -> list:
    """Rows ``start`` … ``end - 1`` of ``queryset`` (``total`` rows, or more than that when
    ``more``) in ``order``, in one query: the page's ids are chosen by a subquery that orders
    only the ids (from the end in the reversed order when they lie in the back half, so that
    OFFSET counts from the nearer end; sorted rather than read in an index's order when
    ``total`` is small), then the page's rows are read by id. A search that finds thousands sorts
    their ids, not their whole rows, or – given ``walked``, the same rows with conditions that
    the order's index can check as it is read – walks that index. A union (which cannot be
    filtered) is read as the page's slice itself."""
    if not total or start >= end:
        return []
    combined = bool(queryset.query.combinator)  # a union (Rettigheder): ordered by its columns
    walk = more or total > SORTED_BELOW
    lead = [] if walk or combined else [sorted_not_walked()]
    ids = walked if walk and walked is not None else queryset
    back = not more and start > total // 2
    if back:
        # From the end: rows total-end … total-start-1 of the reversed order.
        page = ids.order_by(*lead, *reversed_order(order))[total - end : total - start]
    else:
        page = ids.order_by(*lead, *order)[start:end]
    if combined:
        # A union cannot be filtered: its page's rows as they are.
        rows = list(page)
        if back:
            rows.reverse()
        return rows
    return list(queryset.filter(pk__in=page.values("pk")).order_by(*order))


def count_capped(queryset: QuerySet, *, params: ListParams) -> tuple[int, bool]:
    """The number of rows of ``queryset`` as (count, more): at most ``COUNT_CAP`` are counted
    (``more`` when there are others) unless the page ``params`` asks for lies past them."""
    counted = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
    if counted <= COUNT_CAP:
        return counted, False
    if params.last or (params.page or 1) > COUNT_CAP // params.per_page:
        return queryset.order_by().count(), False
    return COUNT_CAP, True


def list_page(
    queryset: QuerySet,
    *,
    params: ListParams,
    count: int | None = None,
    capped: bool = False,
    walked: QuerySet | None = None,
) -> ListPage:
    """The page ``params`` asks for of ``queryset`` (ordered here by ``params.order``): a page
    past the end is the last one. Two queries: the count and the page's rows. A page in the back
    half is read from the end in the reversed order.

    ``capped`` (a search): the count stops at ``COUNT_CAP``. ``walked``: the same rows, written to
    be checked on the entries of the order's index as it is read (``users.selectors.
    users_searched``), for a search that finds thousands – what its page costs does not grow with
    the rows found."""
    more = False
    if count is not None:
        total = count
    elif capped:
        total, more = count_capped(queryset, params=params)
    else:
        total = queryset.order_by().count()
    number, start, end = page_window(total, params=params)
    rows = ordered_slice(
        queryset,
        order=params.order,
        total=total,
        start=start,
        end=end,
        more=more,
        walked=walked,
    )
    return ListPage(
        object_list=rows, number=number, per_page=params.per_page, count=total, more=more
    )


@dataclass(frozen=True)
class SortHeader:
    """A sortable column header: its label, the link that sorts by it (ascending, or descending
    when the list is already sorted ascending by it) and its ``aria-sort``."""

    label: Any
    key: str
    href: str
    aria_sort: str  # "ascending" | "descending" | "none"


def sort_headers(
    columns: Sequence[tuple[str, Any]], *, params: ListParams, query: Mapping[str, str]
) -> list[SortHeader]:
    """The headers of ``columns`` (key, label) for a list sorted by ``params.sort``; their links
    keep ``query`` (the filter) and the page size, and go to the first page."""
    headers = []
    for key, label in columns:
        if params.sort == key:
            aria, target = "ascending", f"-{key}"
        elif params.sort == f"-{key}":
            aria, target = "descending", key
        else:
            aria, target = "none", key
        link = {**query, SORT_PARAMETER: target, SIZE_PARAMETER: str(params.per_page)}
        headers.append(SortHeader(label=label, key=key, href=f"?{urlencode(link)}", aria_sort=aria))
    return headers


def list_context(
    queryset: QuerySet,
    *,
    params: Mapping[str, str],
    query: Mapping[str, str],
    sorts: Mapping[str, Sequence[str]],
    default_sort: str,
    columns: Sequence[tuple[str, Any]],
    default_size: int = PAGE_SIZES[0],
    page_reader: Callable[[ListParams], ListPage] | None = None,
    capped: bool = False,
    walked: Mapping[str, QuerySet] | None = None,
) -> dict[str, Any]:
    """What a list's template needs beside its rows: ``page`` (a ``ListPage`` of ``queryset``
    sorted and cut as the GET ``params`` ask), ``headers`` (the sortable ``columns``),
    ``query`` (the filter ``query``, the sort and the page size, without defaults, encoded: the
    pagination's and the export's links add to it), ``kept`` (the same as (name, value) pairs,
    hidden fields of the jump and page-size forms), ``per_page`` and ``page_sizes``. A list whose
    page is not a plain slice of its order reads it with ``page_reader`` (given the chosen sort,
    size and page). ``capped`` and ``walked`` (the walked form of ``queryset`` per sort key it
    suits) as in ``list_page``."""
    chosen = list_params(params, sorts=sorts, default_sort=default_sort, default_size=default_size)
    kept = dict(query)
    if chosen.sort != default_sort:
        kept[SORT_PARAMETER] = chosen.sort
    if chosen.per_page != default_size:
        kept[SIZE_PARAMETER] = str(chosen.per_page)
    return {
        "page": (
            page_reader(chosen)
            if page_reader is not None
            else list_page(
                queryset,
                params=chosen,
                capped=capped,
                walked=(walked or {}).get(chosen.sort.removeprefix("-")),
            )
        ),
        "headers": sort_headers(columns, params=chosen, query=query),
        "query": urlencode(kept),
        "kept": [(k, v) for k, v in kept.items() if k != SIZE_PARAMETER],
        "kept_all": list(kept.items()),
        "per_page": chosen.per_page,
        "page_sizes": PAGE_SIZES,
        "sort": chosen.sort,
        "page_parameter": PAGE_PARAMETER,
        "size_parameter": SIZE_PARAMETER,
    }
