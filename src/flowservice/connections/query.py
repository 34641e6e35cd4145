"""List queries: ``property`` filters, ``orderby``, ``limit`` and keyset continuation tokens.

The ``next`` link carries only ``continuationToken``, so the token holds the whole query: the
filters, the order, the page size and the last key seen. It is base64url without padding, so it
contains no ``=`` or ``&`` (clients split the href at ``=``).
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, or_

from flowservice.errors import UserError

__all__ = ["Filter", "ListQuery", "Order", "parse_list_query"]

# Wire field → (column, value kind). Only these are filterable and sortable.
FIELDS: dict[str, tuple[str, str]] = {
    "id": ("id", "str"),
    "name": ("name", "str"),
    "description": ("description", "str"),
    "connectionspec.id": ("spec_id", "lower"),
    "state": ("state", "state"),
    "createdat": ("created_at", "int"),
    "updatedat": ("updated_at", "int"),
}
SORTABLE = {"name": "name", "createdat": "created_at", "updatedat": "updated_at"}
OPERATORS = ("==", "!=", ">=", "<=", ">", "<")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
COMPARISONS = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}
# Operators other Adobe APIs accept; recognised so the error can say "not implemented".
UNIMPLEMENTED = ("=~", "~", "*=", "=")
FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z.]*$")
FILTER_RE = re.compile(r"^([^=!<>~*]+)(==|!=|>=|<=|>|<)(.*)$", re.DOTALL)
LIST_PARAMS = frozenset({"limit", "continuationtoken", "orderby", "count", "property"})


@dataclass(frozen=True, slots=True)
class Filter:
    field: str
    operator: str
    values: tuple[Any, ...]

    def condition(self, table: Table) -> ColumnElement[bool]:
        column = table.c[FIELDS[self.field][0]]
        if self.operator == "==":
            return column.in_(self.values)
        if self.operator == "!=":
            return or_(column.is_(None), column.not_in(self.values))
        compare: Callable[[Any, Any], ColumnElement[bool]] = COMPARISONS[self.operator]
        return compare(column, self.values[0])


@dataclass(frozen=True, slots=True)
class Order:
    field: str = "createdAt"
    descending: bool = True

    @property
    def column(self) -> str:
        return SORTABLE[self.field.lower()]

    @property
    def wire(self) -> str:
        return ("-" if self.descending else "+") + self.field


@dataclass(frozen=True, slots=True)
class ListQuery:
    properties: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    order: Order = field(default_factory=Order)
    limit: int = 50
    count: bool = False
    after: tuple[Any, str] | None = None

    def conditions(self, table: Table) -> list[ColumnElement[bool]]:
        return [f.condition(table) for f in self.filters]

    def next_token(self, last_key: tuple[Any, str]) -> str:
        payload = {"p": list(self.properties), "o": self.order.wire, "l": self.limit, "k": last_key}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_list_query(
    params: Mapping[str, Sequence[str]], *, default_limit: int, max_limit: int
) -> ListQuery:
    """Parse query parameters (name → all values) into a ListQuery, or raise a 4xx UserError."""
    folded = {name.lower(): values for name, values in params.items()}
    unknown = sorted(name for name in params if name.lower() not in LIST_PARAMS)
    if unknown:
        raise UserError("1451-400", f"Unknown query parameter(s): {', '.join(unknown)}.")
    token = _single(folded, "continuationtoken")
    if token:
        return _from_token(token, max_limit)
    count = _parse_bool(_single(folded, "count"), "count")
    limit_text = _single(folded, "limit")
    if count and limit_text is not None:
        raise UserError("1401-400", "The parameters limit and count cannot be used together.")
    properties = tuple(folded.get("property", ()))
    return ListQuery(
        properties=properties,
        filters=tuple(parse_filter(p) for p in properties),
        order=parse_order(_single(folded, "orderby")),
        limit=_parse_limit(limit_text, default_limit, max_limit),
        count=count,
    )


def parse_filter(text: str) -> Filter:
    if not text.strip():
        raise UserError("1453-400", "The property filter is empty.")
    match = FILTER_RE.match(text)
    if match is None:
        return _no_operator(text)
    name, op, raw = match.groups()
    key = name.strip().lower()
    if key not in FIELDS or not FIELD_RE.match(name.strip()):
        raise UserError(
            "1449-400", f"Invalid filter field '{name.strip()}'. Filterable: {_fields()}."
        )
    values = tuple(v.strip() for v in raw.split(",")) if op in ("==", "!=") else (raw.strip(),)
    if not raw.strip() or any(v == "" for v in values):
        raise UserError("1453-400", f"The filter on '{name.strip()}' has an empty value.")
    return Filter(key, op, tuple(_convert(key, v) for v in values))


def parse_order(text: str | None) -> Order:
    if text is None or text == "":
        return Order()
    sign, name = (text[0], text[1:]) if text[0] in "+- " else ("+", text)
    if not name or not name[0].isalpha():
        raise UserError(
            "1432-400", f"Invalid orderby prefix in '{text}'; use name, +name or -name."
        )
    if name.lower() not in SORTABLE:
        raise UserError(
            "1433-400", f"Invalid orderby field '{name}'. Sortable: name, createdAt, updatedAt."
        )
    canonical = {"name": "name", "createdat": "createdAt", "updatedat": "updatedAt"}[name.lower()]
    # A "+" in a query string that was not percent-encoded arrives as a space.
    return Order(field=canonical, descending=sign == "-")


def _no_operator(text: str) -> Filter:
    if any(op in text for op in UNIMPLEMENTED):
        raise UserError(
            "1440-400", f"The operator in '{text}' is not implemented; use {', '.join(OPERATORS)}."
        )
    raise UserError("1450-400", f"Invalid operator in '{text}'; use {', '.join(OPERATORS)}.")


def _convert(key: str, value: str) -> Any:
    kind = FIELDS[key][1]
    if "\x00" in value:
        raise UserError("1452-400", "A filter value holds a NUL character, which is not allowed.")
    if kind == "int":
        number = int(value) if value.lstrip("-").isascii() and value.lstrip("-").isdigit() else None
        if number is None or not INT64_MIN <= number <= INT64_MAX:
            raise UserError(
                "1452-400", f"The filter value '{value[:40]}' must be epoch milliseconds."
            )
        return number
    if kind == "state":
        if value.lower() not in ("enabled", "disabled"):
            raise UserError("1452-400", f"The state '{value}' is invalid; use enabled or disabled.")
        return value.lower()
    return value.lower() if kind == "lower" else value


def _fields() -> str:
    return "id, name, description, connectionSpec.id, state, createdAt, updatedAt"


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise UserError("1452-400", f"The query parameter '{name}' may be given only once.")
    return values[0]


def _parse_bool(text: str | None, name: str) -> bool:
    if text is None or text.lower() == "false":
        return False
    if text.lower() == "true":
        return True
    raise UserError("1452-400", f"The parameter '{name}' must be true or false.")


def _parse_limit(text: str | None, default: int, maximum: int) -> int:
    if text is None:
        return default
    try:
        limit = int(text)
    except ValueError:
        raise UserError("1452-400", f"The limit '{text}' must be a positive integer.") from None
    if limit < 1:
        raise UserError("1452-400", f"The limit '{text}' must be a positive integer.")
    return min(limit, maximum)


def _from_token(token: str, max_limit: int) -> ListQuery:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        properties = tuple(str(p) for p in payload["p"])
        value, last_id = payload["k"]
        order = parse_order(str(payload["o"]))
        limit = max(1, min(int(payload["l"]), max_limit))
    except (binascii.Error, ValueError, KeyError, TypeError, OverflowError, RecursionError):
        raise UserError("1452-400", "The continuationToken is invalid.") from None
    expected = str if order.column == "name" else int
    if not isinstance(last_id, str) or type(value) is not expected or "\x00" in last_id:
        raise UserError("1452-400", "The continuationToken is invalid.")
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise UserError("1452-400", "The continuationToken is invalid.")
    if isinstance(value, str) and "\x00" in value:
        raise UserError("1452-400", "The continuationToken is invalid.")
    filters = tuple(parse_filter(p) for p in properties)
    return ListQuery(properties, filters, order, limit, False, (value, last_id))
