"""``property`` filters: ``field==a,b``, ``!=``, ``>``, ``<``, ``>=``, ``<=`` on a resource.

One parser for every resource. ``==`` and ``!=`` take comma-separated any-of values; the others one
value. One pair of surrounding double quotes is stripped from each value (the docs send
``name=="CloudStorageToAEP"``, clients send it bare). A filter on a column becomes SQL; a filter on
a document path is evaluated on the wire document: it matches when any value found at the path
matches (``!=``: when none equals), numbers compare as numbers when both sides are numbers.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, or_

from flowservice import codes
from flowservice.errors import UserError
from flowservice.resources.fields import Field, Fields

__all__ = ["OPERATORS", "Filter", "filter_documents", "parse_filter", "values_at"]

OPERATORS = ("==", "!=", ">=", "<=", ">", "<")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le,
}  # fmt: skip
# Operators other Adobe APIs accept; recognised so the error can say "not implemented".
UNIMPLEMENTED = ("=~", "~", "*=", "=")
_FILTER = re.compile(r"^([^=!<>~*]+)(==|!=|>=|<=|>|<)(.*)$", re.DOTALL)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True, slots=True)
class Filter:
    field: Field
    operator: str
    values: tuple[Any, ...]

    def sql(self, table: Table) -> ColumnElement[bool]:
        assert self.field.column is not None
        column = table.c[self.field.column]
        if self.operator == "==":
            return column.in_(self.values)
        if self.operator == "!=":
            return or_(column.is_(None), column.not_in(self.values))
        return COMPARISONS[self.operator](column, self.values[0])  # type: ignore[no-any-return]

    def matches(self, document: Any) -> bool:
        found = [_comparable(v, self.field) for v in values_at(document, self.field.wire)]
        if self.operator == "==":
            return any(_equal(f, v) for f in found for v in self.values)
        if self.operator == "!=":
            return not any(_equal(f, v) for f in found for v in self.values)
        compare = COMPARISONS[self.operator]
        return any(_ordered(compare, f, self.values[0]) for f in found)


def values_at(document: Any, path: str) -> list[Any]:
    """Every value at ``path`` (``a.b[].c``); arrays at the end of the path give their members."""
    current = [document]
    for segment in path.split("."):
        key, many = (segment[:-2], True) if segment.endswith("[]") else (segment, False)
        found = [node[key] for node in current if isinstance(node, dict) and key in node]
        current = [m for f in found for m in f] if many else found
    return [m for v in current for m in (v if isinstance(v, list) else [v])]


def parse_filter(text: str, fields: Fields) -> Filter:
    if not text.strip():
        raise UserError(codes.EMPTY_VALUE, "The property filter is empty.")
    match = _FILTER.match(text)
    if match is None:
        raise _no_operator(text)
    name, op, raw = (match.group(1).strip(), match.group(2), match.group(3))
    field = fields.lookup(name)
    if field is None:
        raise UserError(
            codes.BAD_FILTER_FIELD,
            f"Invalid filter field '{name}'. Filterable: {fields.describe()}.",
        )
    values = tuple(_unquote(v) for v in raw.split(",")) if op in ("==", "!=") else (_unquote(raw),)
    if any(v == "" for v in values):
        raise UserError(codes.EMPTY_VALUE, f"The filter on '{name}' has an empty value.")
    return Filter(field, op, tuple(_convert(field, v) for v in values))


def _unquote(value: str) -> str:
    text = value.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _no_operator(text: str) -> UserError:
    allowed = ", ".join(OPERATORS)
    if any(op in text for op in UNIMPLEMENTED):
        return UserError(
            codes.OPERATOR_NOT_IMPLEMENTED,
            f"The operator in '{text}' is not implemented; use {allowed}.",
        )
    return UserError(codes.BAD_OPERATOR, f"Invalid operator in '{text}'; use {allowed}.")


def _convert(field: Field, value: str) -> Any:
    if "\x00" in value:
        raise UserError(codes.INVALID_VALUE, "A filter value holds a NUL character, not allowed.")
    if field.kind == "int":
        return _epoch_ms(value)
    if field.kind == "enum":
        if value.lower() not in field.choices:
            allowed = " or ".join(field.choices)
            raise UserError(
                codes.INVALID_VALUE, f"The {field.wire} '{value}' is invalid; use {allowed}."
            )
        return value.lower()
    if field.kind == "bool":
        if value.lower() not in ("true", "false"):
            raise UserError(codes.INVALID_VALUE, f"The {field.wire} must be true or false.")
        return value.lower() == "true"
    return value.lower() if field.kind == "lower" else value


def _epoch_ms(value: str) -> int:
    digits = value.removeprefix("-")
    number = int(value) if digits.isascii() and digits.isdigit() else None
    if number is None or not INT64_MIN <= number <= INT64_MAX:
        raise UserError(
            codes.INVALID_VALUE, f"The filter value '{value[:40]}' must be epoch milliseconds."
        )
    return number


def _comparable(value: Any, field: Field) -> Any:
    """A document value in the filter's terms: case-folded for enum-like paths."""
    if isinstance(value, str) and field.kind == "lower":
        return value.lower()
    return value


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value):
        return float(value)
    return None


def _equal(found: Any, wanted: Any) -> bool:
    if isinstance(found, bool):
        return str(wanted).lower() == ("true" if found else "false")
    a, b = _as_number(found), _as_number(wanted)
    if a is not None and b is not None:
        return a == b
    return found is not None and str(found) == str(wanted)


def _ordered(compare: Callable[[Any, Any], Any], found: Any, wanted: Any) -> bool:
    a, b = _as_number(found), _as_number(wanted)
    if a is not None and b is not None:
        return bool(compare(a, b))
    if isinstance(found, str):
        return bool(compare(found, str(wanted)))
    return False


def filter_documents(
    documents: list[dict[str, Any]], properties: Sequence[str], fields: Fields
) -> list[dict[str, Any]]:
    """The documents every filter matches: for small in-memory lists (specs)."""
    filters = [parse_filter(text, fields) for text in properties]
    return [d for d in documents if all(f.matches(d) for f in filters)]
