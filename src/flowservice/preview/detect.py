"""determineProperties: file type, compression, encoding and delimiter, from the bytes.

Magic bytes decide the container (never the file name); the decompressed text decides JSON
versus delimited, the encoding and the delimiter.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter

from flowservice.drivers.base import ByteSource
from flowservice.errors import UserError
from flowservice.formats import codes, magic
from flowservice.formats.inflate import RAW_WBITS
from flowservice.formats.kinds import Compression
from flowservice.formats.stream import StreamState, close_quietly, peek
from flowservice.formats.text import bom_encoding, decode
from flowservice.preview.decompress import content
from flowservice.preview.limits import CHUNK_BYTES, DETECT_BYTES, DETECT_LINES
from flowservice.preview.options import DEFAULT_DELIMITER, Properties

DELIMITER_CANDIDATES = ",;\t|"


def detect_properties(source: ByteSource) -> Properties:
    head = _head(source)
    if magic.is_parquet_head(head) and _ends_like_parquet(source):
        return Properties("parquet", "none")
    compression: Compression = magic.compression_of(head) or "none"
    sample, complete = _sample(source, compression)
    if compression == "gzip" and magic.is_tar(sample):
        compression = "tarGzip"
        sample, complete = _sample(source, compression)
    elif compression == "none" and _is_binary(sample):
        compression = "deflate"  # raw deflate has no magic bytes: try it on binary content
        sample, complete = _raw_deflate_sample(source, head)
    if not sample:
        raise codes.empty_file()
    if magic.is_tar(sample):
        raise codes.undetectable(
            f"preview reads tar archives plain or gzip-compressed, not {compression}"
        )
    return _text_properties(sample, complete, compression)


def detect_encoding(sample: bytes, complete: bool) -> str:
    """A BOM says UTF-8 or UTF-16; otherwise valid UTF-8 is UTF-8, and the rest ISO-8859-1."""
    if announced := bom_encoding(sample):
        return announced
    if _is_binary(sample):
        raise codes.undetectable("the file holds binary data, not text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return "ISO-8859-1"
    return "UTF-8"


def looks_like_json(text: str) -> bool:
    """An object, or an array of objects; "[id],[name]" headers are delimited text."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return True
    return stripped.startswith("[") and stripped[1:].lstrip()[:1] in ("{", "]")


def sniff_delimiter(text: str, complete: bool) -> str:
    """csv.Sniffer's guess when it splits the lines consistently, else the most consistent
    candidate; a single column gets the default ",".
    """
    sample = _whole_lines(text, complete)
    guess = _sniffer_guess(sample)
    if guess is not None and _score(sample, guess)[0]:
        return guess
    best = max(DELIMITER_CANDIDATES, key=lambda candidate: _score(sample, candidate))
    return best if _score(sample, best)[0] else DEFAULT_DELIMITER


def _is_binary(sample: bytes) -> bool:
    # UTF-16 text is full of NUL bytes; its BOM tells it apart from binary.
    return bom_encoding(sample) is None and magic.looks_binary(sample)


def _head(source: ByteSource) -> bytes:
    chunks = source.iter_chunks(0, CHUNK_BYTES)
    try:
        head, _ = peek(chunks, magic.HEAD_BYTES)
    finally:
        close_quietly(chunks)
    return head


def _ends_like_parquet(source: ByteSource) -> bool:
    return source.size >= 12 and source.read_range(source.size - 4, 4) == b"PAR1"


def _sample(source: ByteSource, compression: Compression) -> tuple[bytes, bool]:
    """The first ``DETECT_BYTES`` of the content, and whether that is all of it."""
    with content(source, compression, DETECT_BYTES) as (chunks, state):
        sample = b"".join(chunks)
    return sample, not state.truncated


def _raw_deflate_sample(source: ByteSource, head: bytes) -> tuple[bytes, bool]:
    if magic.inflates(head, RAW_WBITS):
        try:
            return _sample(source, "deflate")
        except UserError:
            pass  # binary that merely started like deflate
    raise codes.undetectable("the file holds binary data, not text or a known compression")


def _text_properties(sample: bytes, complete: bool, compression: Compression) -> Properties:
    encoding = detect_encoding(sample, complete)
    text = "".join(decode(iter([sample]), encoding, StreamState(truncated=not complete)))
    if looks_like_json(text):
        return Properties("json", compression, None, encoding)
    return Properties("delimited", compression, sniff_delimiter(text, complete), encoding)


def _whole_lines(text: str, complete: bool) -> str:
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines.pop()  # cut by the sample's end
    return "".join(lines[:DETECT_LINES])


def _sniffer_guess(sample: str) -> str | None:
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITER_CANDIDATES).delimiter
    except csv.Error:
        return None


def _score(sample: str, delimiter: str) -> tuple[bool, float, int]:
    """(splits into columns consistently, share of records of the usual width, that width)."""
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)
    try:
        widths = Counter(len(record) for record in reader if record)
    except csv.Error:
        return False, 0.0, 0
    if not widths:
        return False, 0.0, 0
    width, count = widths.most_common(1)[0]
    share = count / sum(widths.values())
    return width > 1 and share >= 0.8, share, width
