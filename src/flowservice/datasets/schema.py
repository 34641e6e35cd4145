"""A dataset's inline schema (§13.2, Beyond): ``{"fields": [{"name", "type", "nullable"}]}``.

Types: ``string``, ``long`` (``integer``/``int`` accepted), ``double``, ``boolean``, ``date``,
``timestamp`` (stored as UTC microseconds, ``timestamp[us, tz=UTC]``) and ``decimal(p,s)``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flowservice import codes
from flowservice.errors import UserError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["parse_schema", "to_arrow"]

_DECIMAL = re.compile(r"^decimal\((\d{1,2}),\s*(\d{1,2})\)$")
_ALIASES = {"integer": "long", "int": "long", "float": "double", "bool": "boolean"}
_TYPES = ("string", "long", "double", "boolean", "date", "timestamp")
MAX_FIELDS = 10_000


def _bad(message: str) -> UserError:
    return UserError(codes.BODY_SHAPE, f"The field 'schema' is invalid: {message}.")


def parse_schema(value: Any) -> list[dict[str, Any]]:
    """The schema's fields, with types in their canonical spelling; a 400 naming the problem."""
    fields = value.get("fields") if isinstance(value, dict) else None
    if not isinstance(fields, list) or not fields or len(fields) > MAX_FIELDS:
        raise _bad(f"it needs 'fields', a list of 1 to {MAX_FIELDS} columns")
    parsed = [_field(f, i) for i, f in enumerate(fields)]
    names = [f["name"].lower() for f in parsed]
    if len(set(names)) != len(names):
        raise _bad("two fields have the same name (names compare case-insensitively)")
    return parsed


def _field(value: Any, index: int) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise _bad(f"field {index} needs a 'name'")
    name, kind = value["name"], value.get("type")
    if not name.strip() or len(name) > 255:
        raise _bad(f"field {index}: a name of 1 to 255 characters")
    if not isinstance(kind, str):
        raise _bad(f"field '{name}' needs a 'type'")
    canonical = _type(kind)
    if canonical is None:
        raise _bad(f"field '{name}': unknown type '{kind}' (use {', '.join(_TYPES)}, decimal(p,s))")
    nullable = value.get("nullable", True)
    if not isinstance(nullable, bool):
        raise _bad(f"field '{name}': 'nullable' must be true or false")
    return {"name": name, "type": canonical, "nullable": nullable}


def _type(kind: str) -> str | None:
    folded = _ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if folded in _TYPES:
        return folded
    match = _DECIMAL.match(folded)
    if match and 1 <= int(match[1]) <= 38 and int(match[2]) <= int(match[1]):
        return f"decimal({int(match[1])},{int(match[2])})"
    return None


def to_arrow(fields: list[dict[str, Any]]) -> pa.Schema:
    import pyarrow as pa

    def arrow_type(kind: str) -> pa.DataType:
        simple = {
            "string": pa.string(), "long": pa.int64(), "double": pa.float64(),
            "boolean": pa.bool_(), "date": pa.date32(), "timestamp": pa.timestamp("us", "UTC"),
        }  # fmt: skip
        if kind in simple:
            return simple[kind]
        match = _DECIMAL.match(kind)
        assert match is not None
        return pa.decimal128(int(match[1]), int(match[2]))

    return pa.schema([pa.field(f["name"], arrow_type(f["type"]), f["nullable"]) for f in fields])
