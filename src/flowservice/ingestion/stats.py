"""A data file's Delta statistics (``numRecords``, ``minValues``, ``maxValues``, ``nullCount``),
gathered from the Arrow batches as they are written.

Readers (delta-rs, DuckDB, Spark) skip files by these bounds, so a bound must never be wrong; where
one cannot be stated exactly it is left out, which only costs skipping. Left out: NaN-holding and
infinite floats, decimals, and the maximum of a text longer than :data:`TEXT_PREFIX` characters
(its minimum is cut to the prefix, still a lower bound). Only the first :data:`INDEXED_COLUMNS`
columns are described, as Delta's ``dataSkippingNumIndexedCols`` default says.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["FileStats"]

INDEXED_COLUMNS = 32
TEXT_PREFIX = 32


class FileStats:
    def __init__(self, schema: pa.Schema) -> None:
        self._fields = list(schema)[:INDEXED_COLUMNS]
        self.rows = 0
        self._nulls = dict.fromkeys((f.name for f in self._fields), 0)
        self._min: dict[str, Any] = {}
        self._max: dict[str, Any] = {}
        self._unbounded: set[str] = set()  # a bound is unknown (NaN, decimal): never stated

    def add(self, batch: pa.RecordBatch | pa.Table) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.rows += batch.num_rows
        for index, field in enumerate(self._fields):
            column = batch.column(index)
            self._nulls[field.name] += column.null_count
            name, kind = field.name, field.type
            if name in self._unbounded or column.null_count == len(column):
                continue
            if not _bounded_kind(kind) or (pa.types.is_floating(kind) and _has_nan(column)):
                self._unbounded.add(name)
                continue
            low, high = pc.min_max(column).values()
            self._widen(name, low.as_py(), high.as_py())

    def _widen(self, name: str, low: Any, high: Any) -> None:
        if name not in self._min or low < self._min[name]:
            self._min[name] = low
        if name not in self._max or high > self._max[name]:
            self._max[name] = high

    def to_json(self) -> str:
        minimum: dict[str, Any] = {}
        maximum: dict[str, Any] = {}
        for name, low in self._min.items():
            if name in self._unbounded:
                continue
            high = self._max[name]
            if isinstance(low, float) and not (math.isfinite(low) and math.isfinite(high)):
                continue
            if isinstance(low, str):
                minimum[name] = low[:TEXT_PREFIX]
                if len(high) <= TEXT_PREFIX:
                    maximum[name] = high
                continue
            minimum[name], maximum[name] = _json_value(low), _json_value(high)
        return json.dumps({
            "numRecords": self.rows, "minValues": minimum, "maxValues": maximum,
            "nullCount": self._nulls,
        })  # fmt: skip


def _bounded_kind(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
    )


def _has_nan(column: pa.Array | pa.ChunkedArray) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(pc.is_nan(column)).as_py())


def _json_value(value: Any) -> Any:
    """Delta's stats spelling: dates ``YYYY-MM-DD``, timestamps ISO 8601 (``Z`` when UTC)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
            return value.isoformat(timespec="microseconds") + "Z"
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
