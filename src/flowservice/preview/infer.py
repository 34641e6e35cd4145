"""Column types inferred from sampled values, and values converted to those types.

A ``Shape`` is a column's type: a scalar kind, or an object with sub-columns, or an array of
items. Rules: nulls don't change a type; integer and number make number; two objects merge
their sub-columns; anything else mixed is string.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import reduce
from typing import Any, Literal

from flowservice.preview.limits import MAX_COLUMNS, MAX_NESTING

Kind = Literal[
    "null", "string", "integer", "number", "boolean", "date", "date-time", "object", "array"
]

_INT64 = range(-(2**63), 2**63)
# No leading zeros ("007" is an identifier, not seven), no sign but "-", ASCII digits only.
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)


@dataclass(frozen=True)
class Shape:
    kind: Kind
    fields: tuple[tuple[str, Shape], ...] = ()  # object: sub-columns, in first-seen order
    items: Shape | None = None  # array: the elements' shape


NULL = Shape("null")
STRING = Shape("string")
INTEGER = Shape("integer")
NUMBER = Shape("number")
BOOLEAN = Shape("boolean")
DATE = Shape("date")
DATE_TIME = Shape("date-time")


def shape_of_text(text: str | None) -> Shape:
    """The type of one delimited field; None (missing or empty) is null."""
    if text is None:
        return NULL
    if _INTEGER.fullmatch(text):
        return INTEGER if int(text) in _INT64 else STRING
    if _NUMBER.fullmatch(text):
        return NUMBER if math.isfinite(float(text)) else STRING
    if text.lower() in ("true", "false"):
        return BOOLEAN
    return _shape_of_string(text)


def shape_of_json(value: Any, depth: int = 0) -> Shape:
    """The type of one parsed JSON value; JSON's own types win, strings may be dates."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER if value in _INT64 else STRING
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return _shape_of_string(value)
    if depth >= MAX_NESTING or (isinstance(value, dict) and len(value) > MAX_COLUMNS):
        return STRING  # kept as JSON text
    if isinstance(value, dict):
        return Shape(
            "object", fields=tuple((k, shape_of_json(v, depth + 1)) for k, v in value.items())
        )
    if isinstance(value, list):
        return Shape("array", items=merge_all(shape_of_json(v, depth + 1) for v in value))
    return STRING


def column_count(shape: Shape) -> int:
    """Columns a shape makes: itself plus its sub-columns and items, recursively."""
    if shape.kind == "object":
        return 1 + sum(column_count(sub) for _, sub in shape.fields)
    if shape.kind == "array":
        return 1 + column_count(shape.items or NULL)
    return 1


def merge_all(shapes: Iterable[Shape]) -> Shape:
    return reduce(merge, shapes, NULL)


def merge(a: Shape, b: Shape) -> Shape:
    if a.kind == "null" or a == b:
        return b
    if b.kind == "null":
        return a
    if {a.kind, b.kind} == {"integer", "number"}:
        return NUMBER
    if a.kind == b.kind == "object":
        fields = _merge_fields(a.fields, b.fields)
        return Shape("object", fields=fields) if len(fields) <= MAX_COLUMNS else STRING
    if a.kind == b.kind == "array":
        return Shape("array", items=merge(a.items or NULL, b.items or NULL))
    return STRING


def convert(value: Any, shape: Shape) -> Any:
    """A JSON-ready value of the shape's type (ISO strings for dates, null for null)."""
    if value is None:
        return None
    if shape.kind == "object":
        return _convert_object(value, shape)
    if shape.kind == "array":
        items = shape.items or NULL
        return [convert(item, items) for item in value]
    return _SCALARS[shape.kind](value)


def as_text(value: Any) -> str:
    """A value's text, for string columns (mixed types, JSON too deep, binary, times)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _shape_of_string(text: str) -> Shape:
    if _DATE.fullmatch(text) and _parses(date.fromisoformat, text):
        return DATE
    if _DATE_TIME.fullmatch(text) and _parses(datetime.fromisoformat, text):
        return DATE_TIME
    return STRING


def _parses(parse: Any, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _merge_fields(
    a: tuple[tuple[str, Shape], ...], b: tuple[tuple[str, Shape], ...]
) -> tuple[tuple[str, Shape], ...]:
    merged = dict(a)
    for name, shape in b:
        merged[name] = merge(merged.get(name, NULL), shape)
    return tuple(merged.items())


def _convert_object(value: Any, shape: Shape) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        # Arrow map entries arrive as (key, value) pairs.
        value = dict(zip((name for name, _ in shape.fields), value, strict=False))
    return {name: convert(value.get(name), sub) for name, sub in shape.fields}


def _number(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _boolean(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else date.fromisoformat(value).isoformat()


def _date_time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.fromisoformat(value).isoformat()


_SCALARS: dict[str, Any] = {
    "null": as_text,
    "string": as_text,
    "integer": int,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "date-time": _date_time,
}
