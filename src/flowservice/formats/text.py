"""Bytes to text: byte-order marks, strict incremental decoding, and line splitting for CSV."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from flowservice.formats import codes
from flowservice.formats.stream import SampleEnd, StreamState, peek

# A BOM is stronger evidence than the declared encoding: it overrides it.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_CODECS = {"UTF-8": "utf-8", "ISO-8859-1": "latin-1", "UTF-16": "utf-16"}
# The csv module needs records split at real line ends only (not at \u2028 or \x0c, which
# str.splitlines would split at).
_LINE_END = re.compile(r"\r\n|\r|\n")


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark announces, if the head starts with one."""
    for bom, _codec, label in _BOMS:
        if head.startswith(bom):
            return label
    return None


def decode(chunks: Iterator[bytes], encoding: str, state: StreamState) -> Iterator[str]:
    """Decode strictly; an undecodable byte raises ``1372-400`` naming its offset."""
    head, chunks = peek(chunks, 4)
    codec, label, skip = _codec_for(head, encoding)
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = skip
    for chunk in _skip(chunks, skip):
        text = _feed(decoder, chunk, offset, label, final=False)
        offset += len(chunk)
        if text:
            yield text
    # At a cap the last character may be cut in half; that is not an error.
    if tail := _feed(decoder, b"", offset, label, final=not state.truncated):
        yield tail


def iter_lines(chunks: Iterator[str], state: StreamState) -> Iterator[str]:
    """Lines with their line ends; at a cap, raise ``SampleEnd`` instead of a cut last line.

    A "\\r\\n" split across chunks becomes "\\r" then "\\n": the csv module reads that as the
    same characters inside a quoted field and as a blank record (skipped) outside one.
    """
    partial: list[str] = []
    for chunk in chunks:
        start = 0
        for match in _LINE_END.finditer(chunk):
            partial.append(chunk[start : match.end()])
            start = match.end()
            yield "".join(partial)
            partial.clear()
        if start < len(chunk):
            partial.append(chunk[start:])
    if state.truncated:
        raise SampleEnd
    if partial:
        yield "".join(partial)


def _codec_for(head: bytes, encoding: str) -> tuple[str, str, int]:
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label, len(bom)
    return _CODECS[encoding], encoding, 0


def _skip(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    """Drop the BOM (the first chunk holds at least four bytes, or all of the content)."""
    for index, chunk in enumerate(chunks):
        yield chunk[count:] if index == 0 else chunk


def _feed(
    decoder: codecs.IncrementalDecoder, data: bytes, offset: int, label: str, *, final: bool
) -> str:
    pending = len(decoder.getstate()[0])
    try:
        return decoder.decode(data, final)
    except UnicodeDecodeError as exc:
        position = offset - pending + exc.start
        raise codes.undecodable(label, position, exc.object[exc.start : exc.start + 1]) from exc
