"""One source file as a stream of Arrow record batches, with bounded memory (dataflows §13.2).

- delimited: pyarrow's streaming CSV reader over the decompressed chunks (:class:`ChunkFile`),
  every column read as text (types are decided after reading, where a bad value is a row error
  rather than a failed file); a row with the wrong number of fields is a row error
  ``INGEST-1401-400`` and is skipped;
- JSON Lines: pyarrow's streaming JSON reader; a JSON array of objects: objects decoded one at a
  time and batched;
- Parquet: ``iter_batches`` over a seekable range reader, a row group at a time.

ISO-8859-1 text is transcoded by pyarrow; a UTF-8 byte-order mark is skipped.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowservice.drivers.base import ByteSource
from flowservice.errors import UserError
from flowservice.formats import codes
from flowservice.formats.decompress import decompress
from flowservice.formats.inflate import GZIP_WBITS, corrupt
from flowservice.formats.kinds import Compression
from flowservice.formats.rangefile import RangeFile
from flowservice.formats.stream import ChunkFile, StreamState, close_quietly, peek

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["BATCH_ROWS", "CORRUPT_ROW", "FileFormat", "RowIssue", "read_batches"]

CORRUPT_ROW = "INGEST-1401-400"
CHUNK_BYTES = 1024 * 1024
HEAD_BYTES = 64 * 1024  # enough for the header line
# pyarrow's parse block. Its default, 1 MiB, for delimited files: a reader's resident memory grows
# with it (~85 MiB at 1 MiB, ~220 MiB at 4 MiB, measured on the benchmark's file) at no cost in
# speed. JSON gets 4 MiB, since a line must fit in one block and nested records run long.
BLOCK_BYTES = 1024 * 1024
JSON_BLOCK_BYTES = 4 * 1024 * 1024
BATCH_ROWS = 64 * 1024
PARQUET_BLOCK_BYTES = 8 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileFormat:
    """How to read a source's files (settled from its source connection)."""

    kind: str  # delimited | json | parquet
    compression: Compression = "none"
    delimiter: str = ","
    encoding: str = "UTF-8"


@dataclass(frozen=True)
class RowIssue:
    """A record that could not be read: where, why, and its text when there is one."""

    file: str
    line: int | None
    column: str | None
    code: str
    reason: str
    record: str | None = None


def read_batches(
    source: ByteSource, path: str, fmt: FileFormat, issues: list[RowIssue]
) -> Iterator[pa.RecordBatch]:
    """The file's records; unreadable records go to ``issues``, never a crash."""
    if fmt.kind == "parquet":
        yield from _parquet(source)
        return
    import pyarrow as pa

    chunks = source.iter_chunks(0, CHUNK_BYTES)
    stream: Iterator[bytes] = iter(())
    try:
        if fmt.kind == "delimited":
            if fmt.compression == "gzip":
                head, file = _gzip_file(chunks)
            else:
                stream = decompress(chunks, fmt.compression, StreamState())
                head, stream = peek(stream, HEAD_BYTES)
                file = io.BufferedReader(ChunkFile(stream), CHUNK_BYTES)
            yield from _delimited(head, file, path, fmt, issues)
        else:
            stream = (
                _gunzip(chunks)
                if fmt.compression == "gzip"
                else decompress(chunks, fmt.compression, StreamState())
            )
            yield from _json(stream, path, issues)
    except pa.ArrowInvalid as exc:
        raise _unreadable(fmt, exc) from exc
    except OSError as exc:  # Arrow's inflate: "zlib inflate failed", "Truncated compressed stream"
        if fmt.compression != "gzip":
            raise
        raise corrupt("gzip", exc) from exc
    finally:
        close_quietly(stream)
        close_quietly(chunks)


def _gzip_file(chunks: Iterator[bytes]) -> tuple[bytes, Any]:
    """The first inflated bytes (for the header) and the whole file, inflated by Arrow's C++
    codec on the CSV reader's own I/O thread: no Python, and no GIL, between the compressed
    chunks and the parser."""
    raw_head, chunks = peek(chunks, HEAD_BYTES)
    try:
        head = zlib.decompressobj(GZIP_WBITS).decompress(raw_head, HEAD_BYTES)
    except zlib.error as exc:
        raise corrupt("gzip", exc) from exc
    return head, _inflating(chunks)


def _inflating(chunks: Iterator[bytes]) -> Any:
    """gzip inflated by Arrow's C++ codec (members in a row too), without the GIL: the shared
    Python stage steps 64 KiB at a time for previews, and cost a run ~15% more CPU. Its errors
    (``OSError``) are mapped by :func:`read_batches`."""
    import pyarrow as pa

    return pa.CompressedInputStream(pa.PythonFile(ChunkFile(chunks), mode="r"), "gzip")


def _gunzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """:func:`_inflating` as a chunk stream, for the JSON readers."""
    inflated = _inflating(chunks)
    try:
        while data := inflated.read(CHUNK_BYTES):
            yield data
    finally:
        inflated.close()


def _unreadable(fmt: FileFormat, exc: Exception) -> UserError:
    """pyarrow's parse error as a failed file (a record over a block, text not in its encoding)."""
    message = str(exc)
    if "straddl" in message:
        block = BLOCK_BYTES if fmt.kind == "delimited" else JSON_BLOCK_BYTES
        message = f"a record is longer than {block // (1024 * 1024)} MiB, the most one may hold"
    kind = "delimited text" if fmt.kind == "delimited" else "JSON"
    return codes.wrong_format(f"The file cannot be read as {kind}: {message}.", hint=False)


def _header(head: bytes, fmt: FileFormat) -> list[str]:
    text = head.removeprefix(_BOM).decode(
        "latin-1" if fmt.encoding == "ISO-8859-1" else "utf-8", "replace"
    )
    line = next(csv.reader(io.StringIO(text), delimiter=fmt.delimiter), [])
    return [name.strip() for name in line]


def _delimited(
    head: bytes, file: Any, path: str, fmt: FileFormat, issues: list[RowIssue]
) -> Iterator[pa.RecordBatch]:
    """``file`` (inflated, from its first byte) parsed; ``head``, its first bytes, names the
    columns."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = _header(head, fmt)
    if not names:
        return

    def bad_row(row: pcsv.InvalidRow) -> str:
        line = row.number if row.number is not None and row.number >= 0 else None
        reason = (
            f"The row has {row.actual_columns} fields where the header has {row.expected_columns}."
        )
        issues.append(RowIssue(path, line, None, CORRUPT_ROW, reason, row.text))
        return "skip"

    reader = pcsv.open_csv(
        file,
        read_options=pcsv.ReadOptions(
            block_size=BLOCK_BYTES, encoding="latin1" if fmt.encoding == "ISO-8859-1" else "utf8"
        ),
        parse_options=pcsv.ParseOptions(
            delimiter=fmt.delimiter, invalid_row_handler=bad_row, newlines_in_values=True
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    yield from reader


def _json(stream: Iterator[bytes], path: str, issues: list[RowIssue]) -> Iterator[pa.RecordBatch]:
    head, stream = peek(stream, 4096)
    if head.removeprefix(_BOM).lstrip()[:1] == b"[":
        yield from _json_array(stream, path, issues)
        return
    import pyarrow.json as pjson

    reader = pjson.open_json(
        io.BufferedReader(ChunkFile(stream), CHUNK_BYTES),
        read_options=pjson.ReadOptions(block_size=JSON_BLOCK_BYTES),
    )
    yield from reader


def _json_array(
    stream: Iterator[bytes], path: str, issues: list[RowIssue]
) -> Iterator[pa.RecordBatch]:
    """``[{...}, {...}]``: one object at a time from a growing text buffer, in batches."""
    import pyarrow as pa

    decoder = json.JSONDecoder()
    text, position, records, number = "", 0, [], 0
    raw = io.TextIOWrapper(io.BufferedReader(ChunkFile(stream), CHUNK_BYTES), encoding="utf-8-sig")
    while True:
        more = raw.read(CHUNK_BYTES)
        text = text[position:] + more
        position = 0
        while True:
            while position < len(text) and text[position] in " \t\r\n,[]":
                position += 1
            if position >= len(text):
                break
            try:
                value, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError:
                if more:
                    break  # the object is cut by the buffer's end: read on
                issues.append(
                    RowIssue(
                        path,
                        None,
                        None,
                        CORRUPT_ROW,
                        "The JSON is not valid.",
                        text[position : position + 200],
                    )
                )
                position = len(text)
                break
            number += 1
            position = end
            if isinstance(value, dict):
                records.append(value)
            else:
                issues.append(
                    RowIssue(
                        path,
                        number,
                        None,
                        CORRUPT_ROW,
                        "The record is not a JSON object.",
                        str(value)[:200],
                    )
                )
            if len(records) >= BATCH_ROWS:
                yield pa.RecordBatch.from_pylist(records)
                records = []
        if not more:
            break
    if records:
        yield pa.RecordBatch.from_pylist(records)


def _parquet(source: ByteSource) -> Iterator[Any]:
    import pyarrow.parquet as pq

    file = RangeFile(source, block=PARQUET_BLOCK_BYTES, keep=8)
    parquet = pq.ParquetFile(file, pre_buffer=False, buffer_size=PARQUET_BLOCK_BYTES)
    yield from parquet.iter_batches(batch_size=BATCH_ROWS)
