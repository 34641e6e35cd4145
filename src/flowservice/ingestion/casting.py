"""Text columns to the dataset's types (dataflows §13.2): fast when the data is clean, exact when
it is not.

Each column is cast whole with ``pyarrow.compute.cast`` (safe: no overflow, no truncation). When
that fails, the column is split in halves until the values that do not convert are single rows:
those rows are failed records (``MAPPER-3700-400``, naming the column) and are left out; the rest
keep the fast cast. Clean data costs one cast per column; ``k`` bad values about ``k·log(rows)``.

Empty text is null. A missing or null value in a column that is not nullable is
``INGEST-1555-400``. Timestamps are stored as UTC (``timestamp[us, tz=UTC]``); text without an
offset is read as UTC. Without a dataset schema, :func:`infer_fields` decides the types from a
sample, with the preview's rules (``007`` stays text, integers beyond int64 are text).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flowservice.datasets.schema import to_arrow
from flowservice.ingestion.readers import RowIssue
from flowservice.preview.infer import merge_all, shape_of_text

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CONVERSION", "MISSING_REQUIRED", "added_fields", "cast_batch", "infer_fields"]

CONVERSION = "MAPPER-3700-400"
MISSING_REQUIRED = "INGEST-1555-400"
SAMPLE_VALUES = 10_000
_KINDS = {"integer": "long", "number": "double", "boolean": "boolean", "date": "date",
          "date-time": "timestamp"}  # fmt: skip


def infer_fields(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    """Field specs (as a dataset's inline schema has them) for a batch: text columns (delimited
    files) by the preview's rules, typed ones (JSON, Parquet) by their Arrow type."""
    fields = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        fields.append({"name": name, "type": _kind(column), "nullable": True})
    return fields


def _kind(column: pa.Array) -> str:
    import pyarrow as pa

    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = column.slice(0, SAMPLE_VALUES).to_pylist()
        shape = merge_all(shape_of_text(v if v != "" else None) for v in values)
        return _KINDS.get(shape.kind, "string") if shape.kind != "null" else "string"
    checks = (
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_integer, "long"),
        (pa.types.is_floating, "double"),
        (pa.types.is_date, "date"),
        (pa.types.is_timestamp, "timestamp"),
    )
    for check, name in checks:
        if check(kind):
            return name
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision},{kind.scale})"
    return "string"  # nested values are kept as their JSON text


class _Caster:
    def __init__(self, path: str, first_record: int, issues: list[RowIssue]) -> None:
        self.path = path
        self.first_record = first_record
        self.issues = issues
        self.failed: set[int] = set()

    def column(self, values: pa.Array, field: pa.Field) -> pa.Array:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
        if values.type != field.type:
            values = self._cast(values, field.type, 0, field.name)
        if not field.nullable and values.null_count:
            for row in pc.indices_nonzero(pc.is_null(values)).to_pylist():
                if row in self.failed:
                    continue  # already a failed record: its value did not convert
                self._issue(
                    row, field.name, MISSING_REQUIRED, "A required field is missing or null."
                )
        return values

    def _cast(self, values: pa.Array, target: pa.DataType, offset: int, name: str) -> pa.Array:
        import pyarrow as pa

        try:
            return _cast_one(values, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            if len(values) == 1:
                self._issue(offset, name, CONVERSION, f"The value does not convert to {target}.")
                return pa.nulls(1, target)
        half = len(values) // 2
        return pa.concat_arrays([
            self._cast(values.slice(0, half), target, offset, name),
            self._cast(values.slice(half), target, offset + half, name),
        ])  # fmt: skip

    def _issue(self, row: int, column: str, code: str, reason: str) -> None:
        self.failed.add(row)
        record = self.first_record + row
        self.issues.append(RowIssue(self.path, record, column, code, reason))


def _cast_one(values: pa.Array, target: pa.DataType) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(target) and pa.types.is_nested(values.type):
        texts = [None if v is None else json.dumps(v, default=str) for v in values.to_pylist()]
        return pa.array(texts, pa.string())
    if pa.types.is_timestamp(target) and target.tz is not None and pa.types.is_string(values.type):
        try:
            return pc.cast(values, target)
        except pa.ArrowInvalid:
            # Text without an offset: read as UTC (engine notes §2.3: no naive timestamps).
            return pc.cast(pc.cast(values, pa.timestamp(target.unit)), target)
    if pa.types.is_boolean(target) and pa.types.is_string(values.type):
        return pc.cast(pc.utf8_lower(values), target)
    return pc.cast(values, target)


def cast_batch(
    batch: pa.RecordBatch,
    fields: list[dict[str, Any]],
    path: str,
    first_record: int,
    issues: list[RowIssue],
) -> pa.RecordBatch:
    """``batch`` with the dataset's columns and types, failed records left out (they are in
    ``issues``); records count from ``first_record``."""
    import pyarrow as pa

    schema = to_arrow(fields)
    caster = _Caster(path, first_record, issues)
    by_name = {name.lower(): i for i, name in enumerate(batch.schema.names)}
    columns = []
    for field in schema:
        index = by_name.get(field.name.lower())
        values = batch.column(index) if index is not None else pa.nulls(batch.num_rows, pa.string())
        columns.append(caster.column(values, field))
    cast = pa.RecordBatch.from_arrays(columns, schema=schema)
    if not caster.failed:
        return cast
    keep = [i not in caster.failed for i in range(cast.num_rows)]
    return cast.filter(pa.array(keep))


def added_fields(fields: list[dict[str, Any]], batch_names: Iterable[str]) -> list[dict[str, Any]]:
    """Columns of a batch the dataset lacks: schema evolution adds them, as text."""
    known = {f["name"].lower() for f in fields}
    return [
        {"name": n, "type": "string", "nullable": True}
        for n in batch_names
        if n.lower() not in known
    ]
