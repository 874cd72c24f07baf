"""A SCIM filter (RFC 7644 §3.4.2.2), parsed and checked by scim2-models, translated into a Django
``Q`` on the users' or groups' queryset: the database filters, never Python.

Attribute names are matched without case (as the RFC says) and so are string values, except the
``caseExact`` ones (``id``, ``externalId``). The fields are those ``selectors`` annotates
(``scim_user_name``, ``scim_last_modified`` …). Comparisons on attributes the database does not
hold (the write-only CPR, a value selection ``emails[type eq "work"]``) are refused with
``invalidFilter`` rather than answered wrongly.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
    coerce_value,
)
from scim2_models.path.expressions import AttrPath

from mitid_portal.converters import id_from_text
from mitid_portal.identity import UserState

# A filter's size, so that a flat chain of thousands of terms or a 50,000-character value is a
# 400 invalidFilter and not an SQL statement the database refuses.
MAX_COMPARISONS = 50
MAX_VALUE = 256


@dataclass(frozen=True)
class Column:
    field: str
    kind: str = "str"  # str, exact (case-exact string), int, datetime, bool
    # A custom translation (the ``active`` flag is the user's state).
    custom: Callable[[CompareOperator | None, Any], Q] | None = None


def _active(op: CompareOperator | None, value: Any) -> Q:
    suspended = Q(state=UserState.SUSPENDED)
    if op is None:  # pr: every user has an active flag
        return Q(pk__isnull=False)
    if op == CompareOperator.eq:
        return ~suspended if value else suspended
    if op == CompareOperator.ne:
        return suspended if value else ~suspended
    raise InvalidFilterException(detail="active supports eq, ne and pr")


USER_COLUMNS: dict[str, Column] = {
    "id": Column("pk", "int"),
    "username": Column("scim_user_name"),
    "externalid": Column("scim_external_id", "exact"),
    "displayname": Column("scim_display_name"),
    "name.formatted": Column("scim_display_name"),
    "name.givenname": Column("first_name"),
    "name.familyname": Column("last_name"),
    "name": Column("scim_display_name"),
    "emails": Column("email"),
    "emails.value": Column("email"),
    "phonenumbers": Column("phone"),
    "phonenumbers.value": Column("phone"),
    "active": Column("state", custom=_active),
    "meta.lastmodified": Column("scim_last_modified", "datetime"),
    "meta.created": Column("date_joined", "datetime"),
    "groups": Column("user_groups__id", "int"),
    "groups.value": Column("user_groups__id", "int"),
    "groups.display": Column("user_groups__name"),
    "state": Column("state"),
}
GROUP_COLUMNS: dict[str, Column] = {
    "id": Column("pk", "int"),
    "displayname": Column("name"),
    "externalid": Column("scim_external_id", "exact"),
    "members": Column("members__id", "int"),
    "members.value": Column("members__id", "int"),
    "members.display": Column("members__last_name"),
    "meta.lastmodified": Column("scim_last_modified", "datetime"),
    "meta.created": Column("created_at", "datetime"),
}

_ORDERING = {
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}
_STRING = {
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
}


def _key(attr_path: AttrPath) -> str:
    key = attr_path.attr if not attr_path.sub_attr else f"{attr_path.attr}.{attr_path.sub_attr}"
    return key.lower()


class QVisitor(FilterVisitor[Q]):
    def __init__(self, scim_filter: ScimFilter, columns: dict[str, Column]):
        self.filter = scim_filter
        self.columns = columns
        self.comparisons = 0

    def _column(self, attr_path: AttrPath) -> Column:
        column = self.columns.get(_key(attr_path))
        if column is None:
            raise InvalidFilterException(detail=f"{attr_path} cannot be filtered on")
        return column

    def _value(self, node: Comparison, column: Column) -> Any:
        if column.kind == "datetime":
            if not isinstance(node.value, str):  # a dateTime is a string (RFC 7643 2.3.5)
                raise InvalidFilterException(detail=f"{node.value!r} is no dateTime")
            binding = self.filter.resolve_comparison(node.attr_path, strict=False)
            value = coerce_value(binding, node.value, node.op) if binding else node.value
            if isinstance(value, str):
                try:
                    value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError as exc:
                    raise InvalidFilterException(detail=f"{node.value!r} is no dateTime") from exc
            if not isinstance(value, datetime.datetime):
                raise InvalidFilterException(detail=f"{node.value!r} is no dateTime")
            return value
        if column.kind == "int":
            return id_from_text(str(node.value))  # None: an id that is not ours matches nothing
        if isinstance(node.value, bool) or node.value is None:
            return node.value
        return str(node.value)

    def _count(self) -> None:
        self.comparisons += 1
        if self.comparisons > MAX_COMPARISONS:
            raise InvalidFilterException(
                detail=f"a filter has at most {MAX_COMPARISONS} comparisons"
            )

    def visit_comparison(self, node: Comparison) -> Q:
        self._count()
        if isinstance(node.value, str) and len(node.value) > MAX_VALUE:
            raise InvalidFilterException(detail=f"a value has at most {MAX_VALUE} characters")
        column = self._column(node.attr_path)
        if column.custom is not None:
            return column.custom(node.op, node.value)
        value = self._value(node, column)
        if column.kind == "int" and value is None:
            return Q(pk__in=[])
        field = column.field
        if node.op in (CompareOperator.eq, CompareOperator.ne):
            lookup = "iexact" if column.kind == "str" else "exact"
            q = Q(**{f"{field}__{lookup}": value})
            return q if node.op == CompareOperator.eq else ~q
        if node.op in _STRING:
            if column.kind not in ("str", "exact"):
                raise InvalidFilterException(detail=f"{node.op.value} needs a string attribute")
            lookup = _STRING[node.op] if column.kind == "str" else _STRING[node.op][1:]
            return Q(**{f"{field}__{lookup}": value})
        if column.kind == "bool":
            raise InvalidFilterException(detail="a boolean has no order")
        return Q(**{f"{field}__{_ORDERING[node.op]}": value})

    def visit_present(self, node: Present) -> Q:
        self._count()
        column = self._column(node.attr_path)
        if column.custom is not None:
            return column.custom(None, None)
        q = Q(**{f"{column.field}__isnull": False})
        if column.kind in ("str", "exact"):
            q &= ~Q(**{column.field: ""})
        return q

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        result = terms[0]
        for term in terms[1:]:
            result = result & term if node.op == LogicalOperator.and_ else result | term
        return result

    def visit_value_path(self, node: ValuePath) -> Q:
        # emails[value co "x"]: the portal keeps one email, one phone, so the selection's filter
        # applies to that one value.
        inner = QVisitor(self.filter, _scoped(self.columns, node.attr_path.attr.lower()))
        inner.comparisons = self.comparisons
        q = inner.visit(node.val_filter)
        self.comparisons = inner.comparisons
        return q


def _scoped(columns: dict[str, Column], attr: str) -> dict[str, Column]:
    prefix = f"{attr}."
    scoped = {k[len(prefix) :]: v for k, v in columns.items() if k.startswith(prefix)}
    if "value" not in scoped and attr in columns:
        scoped["value"] = columns[attr]
    return scoped


def filter_q(scim_filter: ScimFilter, columns: dict[str, Column]) -> Q:
    """The ``Q`` that selects what ``scim_filter`` selects (its attributes already checked
    against the model by scim2-models); ``InvalidFilterException`` for what cannot be
    translated."""
    return QVisitor(scim_filter, columns).visit(scim_filter.ast)
