"""Parquet: the footer, then the first ``max_rows`` rows, read page by page.

``pre_buffer=False`` and a read buffer make pyarrow fetch only the first pages of each column
chunk of the first row group, instead of whole row groups (or, pre-buffered, the whole file).
"""

from __future__ import annotations

from typing import Any

from flowservice.drivers.base import ByteSource
from flowservice.formats import codes
from flowservice.formats.rangefile import RangeFile
from flowservice.preview.infer import (
    BOOLEAN,
    DATE,
    DATE_TIME,
    INTEGER,
    NULL,
    NUMBER,
    STRING,
    Shape,
    convert,
)
from flowservice.preview.limits import (
    MAX_PARQUET_BYTES,
    MAX_PARQUET_FOOTER_BYTES,
    PARQUET_BLOCK_BYTES,
)
from flowservice.preview.schema import Table, check_width, count_columns, unique_names

_MAGIC = b"PAR1"
_SMALLEST = 12  # magic, footer length, magic


def read_parquet(source: ByteSource, max_rows: int) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = RangeFile(source, budget=MAX_PARQUET_BYTES)
    _check_envelope(file)
    try:
        parquet = pq.ParquetFile(file, buffer_size=PARQUET_BLOCK_BYTES, pre_buffer=False)
        schema = parquet.schema_arrow
        shapes = [shape_of_arrow(field.type) for field in schema]
        check_width(count_columns(shapes))  # before any page is read
        columns = _first_rows(parquet, schema, max_rows)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise codes.wrong_format(f"The file is not a readable Parquet file ({exc}).") from exc
    names = unique_names(field.name for field in schema)
    return Table(list(zip(names, shapes, strict=True)), _rows(names, shapes, columns))


def _rows(names: list[str], shapes: list[Shape], columns: list[list[Any]]) -> list[dict[str, Any]]:
    count = len(columns[0]) if columns else 0
    return [
        {n: convert(values[i], s) for n, s, values in zip(names, shapes, columns, strict=True)}
        for i in range(count)
    ]


def shape_of_arrow(arrow_type: Any) -> Shape:
    """Contract types for Arrow types; anything without a counterpart is previewed as text."""
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        return shape_of_arrow(arrow_type.value_type)
    if t.is_struct(arrow_type):
        fields = tuple((f.name, shape_of_arrow(f.type)) for f in arrow_type)
        return Shape("object", fields=fields)
    if t.is_map(arrow_type):
        entry = (
            ("key", shape_of_arrow(arrow_type.key_type)),
            ("value", shape_of_arrow(arrow_type.item_type)),
        )
        return Shape("array", items=Shape("object", fields=entry))
    if _is_list(arrow_type):
        return Shape("array", items=shape_of_arrow(arrow_type.value_type))
    return _scalar_shape(arrow_type)


def _scalar_shape(arrow_type: Any) -> Shape:
    import pyarrow.types as t

    for test, shape in (
        (t.is_null, NULL),
        (t.is_boolean, BOOLEAN),
        (t.is_integer, INTEGER),
        (t.is_floating, NUMBER),
        (t.is_decimal, NUMBER),
        (t.is_date, DATE),
        (t.is_timestamp, DATE_TIME),
    ):
        if test(arrow_type):
            return shape
    return STRING


def _is_list(arrow_type: Any) -> bool:
    import pyarrow.types as t

    return bool(
        t.is_list(arrow_type)
        or t.is_large_list(arrow_type)
        or t.is_fixed_size_list(arrow_type)
        or t.is_list_view(arrow_type)
        or t.is_large_list_view(arrow_type)
    )


def _check_envelope(file: RangeFile) -> None:
    """The PAR1 magic at both ends and a sane footer length, before pyarrow sees the file."""
    if file.size < _SMALLEST or file.read_at(0, 4) != _MAGIC:
        raise codes.wrong_format("The file is not a Parquet file (no PAR1 magic at its start).")
    tail = file.read_at(file.size - 8, 8)
    if tail[4:] != _MAGIC:
        raise codes.wrong_format("The Parquet file is truncated or encrypted (no PAR1 at its end).")
    footer = int.from_bytes(tail[:4], "little")
    if footer > file.size - _SMALLEST:
        raise codes.wrong_format("The Parquet file's footer is corrupt.")
    if footer > MAX_PARQUET_FOOTER_BYTES:
        raise codes.too_large(
            f"The Parquet footer is {footer} bytes, more than the preview's limit of "
            f"{MAX_PARQUET_FOOTER_BYTES // 2**20} MiB."
        )


def _first_rows(parquet: Any, schema: Any, max_rows: int) -> list[list[Any]]:
    """The first ``max_rows`` rows as Python values, one list per column."""
    import pyarrow as pa

    batches, count = [], 0
    for batch in parquet.iter_batches(batch_size=max_rows, use_threads=False):
        batches.append(batch)
        count += batch.num_rows
        if count >= max_rows:
            break
    table = pa.Table.from_batches(batches, schema=schema).slice(0, max_rows)
    return [_python_values(table.column(i)) for i in range(table.num_columns)]


def _python_values(column: Any) -> list[Any]:
    """Python values; nanosecond times become microseconds (datetime's resolution)."""
    friendly = _python_friendly(column.type)
    if friendly != column.type:
        column = column.cast(friendly, safe=False)
    return list(column.to_pylist())


def _python_friendly(arrow_type: Any) -> Any:
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        return _python_friendly(arrow_type.value_type)
    if t.is_struct(arrow_type):
        return pa.struct([f.with_type(_python_friendly(f.type)) for f in arrow_type])
    if t.is_map(arrow_type):
        return pa.map_(
            _python_friendly(arrow_type.key_type), _python_friendly(arrow_type.item_type)
        )
    if _is_list(arrow_type):
        return pa.list_(_python_friendly(arrow_type.value_type))
    if getattr(arrow_type, "unit", None) == "ns":
        return _in_microseconds(arrow_type)
    return arrow_type


def _in_microseconds(arrow_type: Any) -> Any:
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_timestamp(arrow_type):
        return pa.timestamp("us", arrow_type.tz)
    if t.is_time64(arrow_type):
        return pa.time64("us")
    if t.is_duration(arrow_type):
        return pa.duration("us")
    return arrow_type
