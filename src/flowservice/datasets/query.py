"""Catalog's list conventions (dataflows §9.1), not Flow Service's: offset paging with ``limit``
(default 20, at most 100) and ``start``, ``orderBy=desc:created,asc:name``, ``properties=a,b``,
simple filters (``name=a,b``, ``name=!a``), ``property=`` expressions on top-level fields
(``name``, ``!name``, ``name~regex``, ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``), and
``createdAfter``/``createdBefore``. Unknown parameters are ignored, as Catalog does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowservice import codes
from flowservice.errors import UserError
from flowservice.resources.filters import INT64_MAX

__all__ = ["CatalogQuery", "parse_catalog_query"]

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
_ORDER = re.compile(r"^(asc|desc):([A-Za-z][\w.]*)$")
_EXPRESSION = re.compile(r"^(!?)([A-Za-z][\w.]*)(?:(==|!=|<=|>=|<|>|~)(.*))?$", re.DOTALL)
_REGEX_MAX = 200


@dataclass(frozen=True)
class Expression:
    field: str
    operator: str  # "exists", "missing", "==", "!=", "<", "<=", ">", ">=", "~"
    value: Any = None

    def matches(self, document: Mapping[str, Any]) -> bool:
        present = self.field in document and document[self.field] is not None
        if self.operator in ("exists", "missing"):
            return present == (self.operator == "exists")
        if not present:
            return self.operator == "!="
        found = document[self.field]
        if self.operator == "~":
            return isinstance(found, str) and self.value.search(found) is not None
        return _compare(found, self.operator, self.value)


def _compare(found: Any, operator: str, wanted: str) -> bool:
    left: Any = found
    right: Any = wanted
    if isinstance(found, int | float) and not isinstance(found, bool):
        try:
            right = float(wanted)
        except ValueError:
            return operator == "!="
    else:
        left = str(found)
    outcome: bool = {
        "==": left == right, "!=": left != right, "<": left < right,
        "<=": left <= right, ">": left > right, ">=": left >= right,
    }[operator]  # fmt: skip
    return outcome


@dataclass(frozen=True)
class CatalogQuery:
    limit: int = DEFAULT_LIMIT
    start: int = 0
    properties: tuple[str, ...] | None = None
    order: tuple[tuple[str, bool], ...] = (("created", False),)  # (field, descending)
    equals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excludes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    expressions: tuple[Expression, ...] = ()
    created_after: int | None = None
    created_before: int | None = None

    def keep(self, document: Mapping[str, Any]) -> bool:
        for name, values in self.equals.items():
            if str(document.get(name)) not in values:
                return False
        for name, values in self.excludes.items():
            if str(document.get(name)) in values:
                return False
        return all(e.matches(document) for e in self.expressions)

    def shape(self, document: dict[str, Any]) -> dict[str, Any]:
        """``properties=a,b``: only those top-level fields (``{}`` when none is present)."""
        if self.properties is None:
            return document
        return {k: v for k, v in document.items() if k in self.properties}


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or not low <= int(raw) <= high:
        raise UserError(
            codes.INVALID_VALUE, f"The parameter '{name}' must be an integer from {low} to {high}."
        )
    return int(raw)


def parse_catalog_query(
    params: Mapping[str, str], multi: Mapping[str, Sequence[str]], simple_filters: Sequence[str]
) -> CatalogQuery:
    """``simple_filters`` are the fields that take ``field=a,b`` / ``field=!a`` (e.g. name)."""
    equals: dict[str, tuple[str, ...]] = {}
    excludes: dict[str, tuple[str, ...]] = {}
    for name in simple_filters:
        raw = params.get(name)
        if raw:
            target = excludes if raw.startswith("!") else equals
            target[name] = tuple(v.strip() for v in raw.lstrip("!").split(","))
    properties = params.get("properties")
    return CatalogQuery(
        limit=_int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        start=_int(params, "start", 0, 0, INT64_MAX),
        properties=tuple(p.strip() for p in properties.split(",")) if properties else None,
        order=_order(params.get("orderBy") or params.get("orderby")),
        equals=equals,
        excludes=excludes,
        expressions=tuple(_expression(text) for text in multi.get("property", ())),
        created_after=_time(params, "createdAfter"),
        created_before=_time(params, "createdBefore"),
    )


def _order(raw: str | None) -> tuple[tuple[str, bool], ...]:
    if not raw:
        return (("created", False),)
    keys = []
    for part in raw.split(","):
        match = _ORDER.match(part.strip()) or _ORDER.match("asc:" + part.strip())
        if match is None:
            raise UserError(
                codes.BAD_ORDER_FIELD, f"Invalid orderBy '{part}': use asc:field or desc:field."
            )
        keys.append((match[2], match[1] == "desc"))
    return tuple(keys)


def _expression(text: str) -> Expression:
    match = _EXPRESSION.match(text.strip())
    if match is None:
        raise UserError(codes.BAD_OPERATOR, f"Invalid property expression '{text[:80]}'.")
    negated, name, operator, value = match.groups()
    if operator is None:
        return Expression(name, "missing" if negated else "exists")
    if negated or value is None or value == "":
        raise UserError(codes.EMPTY_VALUE, f"The property expression '{text[:80]}' needs a value.")
    if operator == "~":
        if len(value) > _REGEX_MAX:
            raise UserError(codes.INVALID_VALUE, "The regular expression is too long.")
        try:
            return Expression(name, "~", re.compile(value))
        except re.error:
            raise UserError(codes.INVALID_VALUE, f"Invalid regular expression '{value}'.") from None
    return Expression(name, operator, value)


def _time(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise UserError(codes.INVALID_VALUE, f"The parameter '{name}' must be epoch milliseconds.")
    return int(raw)
