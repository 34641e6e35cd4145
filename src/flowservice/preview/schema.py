"""The contract's preview document: columns with their XDM types, and the rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flowservice.formats import codes
from flowservice.preview.infer import NULL, Shape, column_count
from flowservice.preview.limits import MAX_COLUMNS

_XDM_SCALARS: dict[str, dict[str, str]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


@dataclass(frozen=True)
class Table:
    """A previewed sample: named, typed columns and rows of converted values."""

    columns: list[tuple[str, Shape]]
    rows: list[dict[str, Any]] = field(default_factory=list)


def render(table: Table) -> dict[str, Any]:
    nested = any(shape.kind in ("object", "array") for _, shape in table.columns)
    return {
        "format": "hierarchical" if nested else "flat",
        "schema": {"columns": [column(name, shape) for name, shape in table.columns]},
        "data": table.rows,
    }


def column(name: str, shape: Shape) -> dict[str, Any]:
    return {"name": name, **describe(shape)}


def describe(shape: Shape) -> dict[str, Any]:
    """``type`` and ``xdm``; objects add ``subProperties`` (columns), arrays add ``items``."""
    kind = _wire_kind(shape)
    described: dict[str, Any] = {"type": kind, "xdm": xdm(shape)}
    if kind == "object":
        described["subProperties"] = [column(name, sub) for name, sub in shape.fields]
    elif kind == "array":
        described["items"] = describe(shape.items or NULL)
    return described


def xdm(shape: Shape) -> dict[str, Any]:
    kind = _wire_kind(shape)
    if kind == "object":
        return {"type": "object", "properties": {n: xdm(s) for n, s in shape.fields}}
    if kind == "array":
        return {"type": "array", "items": xdm(shape.items or NULL)}
    return dict(_XDM_SCALARS[kind])


def check_width(count: int) -> None:
    """Refuse a sample with more columns (nested ones included) than a preview shows."""
    if count > MAX_COLUMNS:
        raise codes.too_large(
            f"The file has more than {MAX_COLUMNS} columns (nested fields included), "
            "the preview's limit."
        )


def count_columns(shapes: Iterable[Shape]) -> int:
    return sum(column_count(shape) for shape in shapes)


def unique_names(raw: Iterable[str]) -> list[str]:
    """Header names made non-empty ("column_3", by 1-based position) and unique ("a_2")."""
    seen: set[str] = set()
    names: list[str] = []
    for position, name in enumerate(raw, start=1):
        base = name if name.strip() else f"column_{position}"
        candidate, suffix = base, 2
        while candidate in seen:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def _wire_kind(shape: Shape) -> str:
    # A column with only nulls in the sample is reported as string, the safest type.
    return "string" if shape.kind == "null" else shape.kind
