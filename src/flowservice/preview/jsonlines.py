"""JSON Lines, concatenated JSON objects, or one top-level array of objects.

Objects are decoded one at a time from a bounded text buffer with ``raw_decode``, so a large
array is never loaded whole. A record nested too deeply for the recursive decoder (about 1,000
levels) is decoded with every value below :data:`MAX_NESTING` levels replaced by its JSON text,
which is what the preview shows for such values anyway: no depth is refused.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from flowservice.formats import codes
from flowservice.formats.stream import SampleEnd, StreamState
from flowservice.preview.infer import convert, merge_all, shape_of_json
from flowservice.preview.limits import CHUNK_BYTES, MAX_NESTING, MAX_SAMPLE_BYTES
from flowservice.preview.schema import Table, check_width, count_columns

_WHITESPACE = re.compile(r"[ \t\r\n]*")
# An error this close to the end of the buffer may just be a record cut by the buffer's end.
_END_MARGIN = 8


def _finite_float(text: str) -> float | str:
    # 1e400 parses as infinity, which JSON cannot carry; keep its text instead.
    number = float(text)
    return number if math.isfinite(number) else text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_reject_constant)
# Strings (unrolled, so an unterminated one cannot backtrack), a lone quote, and brackets.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|"|[\[\]{}]')


class _Cut(Exception):
    """The buffer ends inside the record."""


def _shallow(text: str, start: int) -> tuple[str, int]:
    """The record at ``text[start:]`` with each value nested MAX_NESTING levels below a column
    replaced by a JSON string of its text, and the offset just past the original record.

    The preview shows such values as JSON text anyway (see ``shape_of_json``), so no column is
    lost. Brackets count from the record's own (depth 1); a column's value is at depth 2.
    """
    depth, kept, out, cut_from = 0, start, [], 0
    for match in _STRUCTURE.finditer(text, start):
        token = match.group()
        if token[0] == '"':
            if len(token) == 1:
                raise _Cut
            continue
        if token in ("[", "{"):
            depth += 1
            cut_from = match.start() if depth == MAX_NESTING + 2 else cut_from
            continue
        if depth == MAX_NESTING + 2:
            out += [text[kept:cut_from], json.dumps(text[cut_from : match.end()])]
            kept = match.end()
        depth -= 1
        if depth == 0:
            return "".join([*out, text[kept : match.end()]]), match.end()
    raise _Cut


def read_json(text: Iterator[str], state: StreamState, max_rows: int) -> Table:
    buffer = _TextBuffer(text, state)
    records: list[dict[str, Any]] = []
    try:
        if buffer.at_end():
            raise codes.empty_file("The file holds no JSON records to preview.")
        _collect(buffer, records, max_rows)
    except SampleEnd:
        if not records:
            raise _record_too_long() from None
    return _table(records)


class _TextBuffer:
    """Decoded text, pulled from the stream as parsing needs it."""

    def __init__(self, chunks: Iterator[str], state: StreamState) -> None:
        self._chunks = chunks
        self._state = state
        self.text = ""
        self.pos = 0

    def more(self) -> bool:
        """Pull at least as much text as is unparsed (doubling keeps re-parsing linear)."""
        want, got = max(len(self.text) - self.pos, CHUNK_BYTES), 0
        parts = [self.text[self.pos :]]
        for chunk in self._chunks:
            parts.append(chunk)
            got += len(chunk)
            if got >= want:
                break
        self.text, self.pos = "".join(parts), 0
        return got > 0

    def peek(self) -> str:
        """The next character after whitespace; "" at the end of the content."""
        while True:
            if match := _WHITESPACE.match(self.text, self.pos):
                self.pos = match.end()
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos : self.pos + 1]

    def at_end(self) -> bool:
        """True at the real end; at a cap, raise ``SampleEnd`` (a record may have been cut)."""
        if self.peek():
            return False
        if self._state.truncated:
            raise SampleEnd
        return True

    def decode(self, number: int) -> Any:
        while True:
            try:
                value, self.pos = _DECODER.raw_decode(self.text, self.pos)
                return value
            except RecursionError:
                return self._decode_deep(number)
            except json.JSONDecodeError as exc:
                if not (self._may_be_cut(exc) and self.more()):
                    raise self._invalid(exc, number) from exc
            except ValueError as exc:
                raise codes.wrong_format(f"Record {number} is not valid JSON ({exc}).") from exc

    def _decode_deep(self, number: int) -> Any:
        while (found := self._shallow_record()) is None:
            if not self.more():
                if self._state.truncated:
                    raise SampleEnd
                raise codes.wrong_format(f"Record {number} is not valid JSON (it is cut short).")
        record, end = found
        try:
            value = _DECODER.decode(record)
        except ValueError as exc:
            raise codes.wrong_format(f"Record {number} is not valid JSON ({exc}).") from exc
        self.pos = end
        return value

    def _shallow_record(self) -> tuple[str, int] | None:
        try:
            return _shallow(self.text, self.pos)
        except _Cut:
            return None

    def _may_be_cut(self, exc: json.JSONDecodeError) -> bool:
        return exc.msg.startswith("Unterminated string") or exc.pos >= len(self.text) - _END_MARGIN

    def _invalid(self, exc: json.JSONDecodeError, number: int) -> Exception:
        if self._state.truncated and self._may_be_cut(exc):
            return SampleEnd()
        return codes.wrong_format(f"Record {number} is not valid JSON ({exc.msg}).")


def _collect(buffer: _TextBuffer, records: list[dict[str, Any]], max_rows: int) -> None:
    """Append up to ``max_rows`` records, from JSON Lines or from a top-level array."""
    if buffer.peek() != "[":
        _collect_lines(buffer, records, max_rows)
        return
    buffer.pos += 1
    if buffer.peek() != "]":
        _collect_items(buffer, records, max_rows)


def _collect_lines(buffer: _TextBuffer, records: list[dict[str, Any]], max_rows: int) -> None:
    while len(records) < max_rows and not buffer.at_end():
        records.append(_record(buffer.decode(len(records) + 1), len(records) + 1))


def _collect_items(buffer: _TextBuffer, records: list[dict[str, Any]], max_rows: int) -> None:
    while len(records) < max_rows:
        if buffer.at_end():
            raise codes.wrong_format("The JSON array is not closed: the file looks truncated.")
        records.append(_record(buffer.decode(len(records) + 1), len(records) + 1))
        separator = buffer.peek()
        if separator == "]":
            return
        if separator != ",":
            if buffer.at_end():
                raise codes.wrong_format("The JSON array is not closed: the file looks truncated.")
            raise codes.wrong_format(f"Expected ',' or ']' after record {len(records)}.")
        buffer.pos += 1


def _record(value: Any, number: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise codes.wrong_format(
            f"Record {number} is a JSON {type(value).__name__}, not an object: "
            "a JSON preview needs one object per record."
        )
    return value


def _table(records: list[dict[str, Any]]) -> Table:
    names = list(dict.fromkeys(name for record in records for name in record))
    check_width(len(names))
    shapes = [merge_all(shape_of_json(record.get(name)) for record in records) for name in names]
    check_width(count_columns(shapes))
    rows = [
        {n: convert(record.get(n), s) for n, s in zip(names, shapes, strict=True)}
        for record in records
    ]
    return Table(list(zip(names, shapes, strict=True)), rows)


def _record_too_long() -> Exception:
    return codes.too_large(
        f"The first JSON record is longer than the preview's {MAX_SAMPLE_BYTES // 2**20} MiB "
        "sample limit, so it cannot be previewed."
    )
