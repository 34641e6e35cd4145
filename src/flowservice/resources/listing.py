"""List queries of every Flow Service resource: ``property``, ``orderby``, ``limit``, ``count`` and
keyset continuation tokens.

The ``next`` link carries only ``continuationToken``, so the token holds the whole query: the
resource it belongs to, the filters, the order, the page size and the last key seen. It is base64url
without padding, so it contains no ``=`` or ``&`` (clients split the href at ``=``). With a token,
other list parameters are ignored: clients such as aepp send their first page's parameters again.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowservice import codes
from flowservice.errors import UserError
from flowservice.resources.fields import Fields
from flowservice.resources.filters import INT64_MAX, INT64_MIN, Filter, parse_filter

__all__ = ["ListQuery", "Order", "cut", "links", "parse_list_query"]

LIST_PARAMS = frozenset({"limit", "continuationtoken", "orderby", "count", "property"})
DEFAULT_ORDER = "createdAt"


@dataclass(frozen=True, slots=True)
class Order:
    field: str = DEFAULT_ORDER  # the wire name, as declared
    column: str = "created_at"
    descending: bool = True
    numeric: bool = True  # the key's type in tokens: epoch ms, else text

    @property
    def wire(self) -> str:
        return ("-" if self.descending else "+") + self.field


@dataclass(frozen=True, slots=True)
class ListQuery:
    fields: Fields
    properties: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    order: Order = field(default_factory=Order)
    limit: int = 50
    count: bool = False
    after: tuple[Any, str] | None = None

    @property
    def sql_filters(self) -> tuple[Filter, ...]:
        return tuple(f for f in self.filters if f.field.in_sql)

    @property
    def document_filters(self) -> tuple[Filter, ...]:
        return tuple(f for f in self.filters if not f.field.in_sql)

    def next_token(self, last_key: tuple[Any, str]) -> str:
        payload = {
            "r": self.fields.resource,
            "p": list(self.properties),
            "o": self.order.wire,
            "l": self.limit,
            "k": list(last_key),
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def links(resource: str, token: str | None) -> dict[str, Any]:
    """A list's ``_links``: the next page's href, or ``{}`` on the last page."""
    return {"next": {"href": f"/{resource}?continuationToken={token}"}} if token else {}


def parse_list_query(
    params: Mapping[str, Sequence[str]], fields: Fields, *, default_limit: int, max_limit: int
) -> ListQuery:
    """Parse query parameters (name → all values) into a ListQuery, or raise a 4xx UserError."""
    folded = {name.lower(): values for name, values in params.items()}
    unknown = sorted(name for name in params if name.lower() not in LIST_PARAMS)
    if unknown:
        raise UserError(
            codes.UNKNOWN_QUERY_PARAM, f"Unknown query parameter(s): {', '.join(unknown)}."
        )
    token = _single(folded, "continuationtoken")
    if token:
        return _from_token(token, fields, max_limit)
    count = _parse_bool(_single(folded, "count"), "count")
    limit_text = _single(folded, "limit")
    if count and limit_text is not None:
        raise UserError(
            codes.COUNT_WITH_LIMIT, "The parameters limit and count cannot be used together."
        )
    properties = tuple(folded.get("property", ()))
    return ListQuery(
        fields=fields,
        properties=properties,
        filters=tuple(parse_filter(p, fields) for p in properties),
        order=parse_order(_single(folded, "orderby"), fields),
        limit=_parse_limit(limit_text, default_limit, max_limit),
        count=count,
    )


def parse_order(text: str | None, fields: Fields) -> Order:
    if text is None or text == "":
        default = fields.sortable(DEFAULT_ORDER)
        assert default is not None
        assert default.column is not None
        return Order(default.wire, default.column, True, default.kind == "int")
    # A "+" in a query string that was not percent-encoded arrives as a space.
    sign, name = (text[0], text[1:]) if text[0] in "+- " else ("+", text)
    if not name or not name[0].isalpha():
        raise UserError(
            codes.BAD_ORDER_PREFIX, f"Invalid orderby prefix in '{text}'; use name, +name or -name."
        )
    sortable = fields.sortable(name)
    if sortable is None or sortable.column is None:
        raise UserError(
            codes.BAD_ORDER_FIELD,
            f"Invalid orderby field '{name}'. Sortable: {fields.describe_sortable()}.",
        )
    return Order(sortable.wire, sortable.column, sign == "-", sortable.kind == "int")


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise UserError(
            codes.INVALID_VALUE, f"The query parameter '{name}' may be given only once."
        )
    return values[0]


def _parse_bool(text: str | None, name: str) -> bool:
    # aepp sends count=False with every list request: only a true count is a count request.
    if text is None or text.lower() == "false":
        return False
    if text.lower() == "true":
        return True
    raise UserError(codes.INVALID_VALUE, f"The parameter '{name}' must be true or false.")


def _parse_limit(text: str | None, default: int, maximum: int) -> int:
    if text is None:
        return default
    bad = UserError(codes.INVALID_VALUE, f"The limit '{text[:40]}' must be a positive integer.")
    try:
        limit = int(text) if len(text) <= 20 else 0
    except ValueError:
        raise bad from None
    if limit < 1:
        raise bad
    return min(limit, maximum)


def _bad_token() -> UserError:
    return UserError(codes.INVALID_VALUE, "The continuationToken is invalid.")


def _from_token(token: str, fields: Fields, max_limit: int) -> ListQuery:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        resource = payload["r"]
        properties = tuple(str(p) for p in payload["p"])
        value, last_id = payload["k"]
        order = parse_order(str(payload["o"]), fields)
        limit = max(1, min(int(payload["l"]), max_limit))
    except (binascii.Error, ValueError, KeyError, TypeError, OverflowError, RecursionError):
        raise _bad_token() from None
    if resource != fields.resource or not _valid_key(value, last_id, order):
        raise _bad_token()
    filters = tuple(parse_filter(p, fields) for p in properties)
    return ListQuery(fields, properties, filters, order, limit, False, (value, last_id))


def _valid_key(value: Any, last_id: Any, order: Order) -> bool:
    if not isinstance(last_id, str) or "\x00" in last_id:
        return False
    if not order.numeric:
        return isinstance(value, str) and "\x00" not in value
    return type(value) is int and INT64_MIN <= value <= INT64_MAX


def cut(
    rows: Sequence[Any],
    query: ListQuery,
    position: Callable[[Any], tuple[Any, str]] | None = None,
) -> tuple[list[Any], str | None]:
    """A page of ``rows`` (fetched with one extra) and the token for the next, if any.

    ``position`` gives a row's (order key, id); by default its order column and id attributes.
    """
    page = list(rows[: query.limit])
    if len(rows) <= query.limit:
        return page, None
    last = page[-1]
    if position is not None:
        return page, query.next_token(position(last))
    return page, query.next_token((getattr(last, query.order.column), last.id))
