"""Delimited text (CSV, TSV, ...): a header row, then up to ``max_rows`` records.

Ragged rows: a missing field is null; fields beyond the header get columns of their own,
named by position ("column_7"), so nothing in the sample is dropped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from flowservice.formats import codes
from flowservice.formats.stream import SampleEnd, StreamState
from flowservice.formats.text import iter_lines
from flowservice.preview.infer import Shape, convert, merge_all, shape_of_text
from flowservice.preview.limits import MAX_SAMPLE_BYTES
from flowservice.preview.schema import Table, check_width, unique_names

Record = list[str | None]


def read_delimited(text: Iterator[str], delimiter: str, state: StreamState, max_rows: int) -> Table:
    records = _records(text, delimiter, state, limit=max_rows + 1)
    if not records:
        raise _row_too_long() if state.truncated else codes.empty_file()
    if len(records) == 1 and state.truncated:
        raise _row_too_long()
    width = max(len(record) for record in records)
    check_width(width)
    header, body = _pad(records[0], width), [_pad(record, width) for record in records[1:]]
    names = unique_names(name or "" for name in header)
    shapes = [merge_all(shape_of_text(record[i]) for record in body) for i in range(width)]
    rows = [_row(names, shapes, record) for record in body]
    return Table(list(zip(names, shapes, strict=True)), rows)


def _records(text: Iterator[str], delimiter: str, state: StreamState, limit: int) -> list[Record]:
    """Non-blank records, empty fields as None; at a cap, the records completed before it."""
    reader = csv.reader(iter_lines(text, state), delimiter=delimiter, quotechar='"', strict=False)
    records: list[Record] = []
    try:
        for fields in reader:
            if fields:
                records.append([field or None for field in fields])
            if len(records) == limit:
                break
    except SampleEnd:
        pass
    except csv.Error as exc:
        raise _csv_error(exc) from exc
    return records


def _row(names: list[str], shapes: list[Shape], record: Record) -> dict[str, Any]:
    return {n: convert(v, s) for n, s, v in zip(names, shapes, record, strict=True)}


def _pad(record: Record, width: int) -> Record:
    return record + [None] * (width - len(record))


def _row_too_long() -> Exception:
    return codes.too_large(
        f"A row is longer than the preview's {MAX_SAMPLE_BYTES // 2**20} MiB sample limit, "
        "so it cannot be previewed. Check columnDelimiter and compressionType."
    )


def _csv_error(exc: csv.Error) -> Exception:
    if "field larger than field limit" in str(exc):
        return codes.too_large(
            f"A field is longer than {csv.field_size_limit()} characters, the preview's "
            "limit. Check that quotes are balanced and that columnDelimiter is right."
        )
    return codes.wrong_format(f"The file could not be read as delimited text ({exc}).")
