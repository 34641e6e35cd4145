"""Incremental decompression with bounded output per step (a small compressed chunk can expand
a thousandfold; each step yields at most ``OUTPUT_BYTES``)."""

from __future__ import annotations

import bz2
import zlib
from collections.abc import Callable, Iterator
from typing import Protocol

from flowservice.errors import UserError
from flowservice.formats import codes
from flowservice.formats.stream import ChunkReader, StreamState

OUTPUT_BYTES = 64 * 1024
GZIP_WBITS = 16 + zlib.MAX_WBITS
ZLIB_WBITS = zlib.MAX_WBITS
RAW_WBITS = -zlib.MAX_WBITS

# What the decompressors raise on bad input: zlib.error, OSError ("Invalid data stream") from
# bz2, EOFError after the end of a stream.
DECOMPRESSION_ERRORS = (zlib.error, OSError, EOFError, ValueError)


class Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    def feed(self, data: bytes) -> Iterator[bytes]: ...


class ZlibStream:
    """gzip, zlib-wrapped or raw deflate, chosen by ``wbits``."""

    def __init__(self, wbits: int) -> None:
        self._d = zlib.decompressobj(wbits)

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            out = self._d.decompress(data, OUTPUT_BYTES)
            if out:
                yield out
            data = self._d.unconsumed_tail
            # A full block means zlib may hold more output even with no input left.
            if self._d.eof or (not data and len(out) < OUTPUT_BYTES):
                return


class Bz2Stream:
    def __init__(self) -> None:
        self._d = bz2.BZ2Decompressor()

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data

    def feed(self, data: bytes) -> Iterator[bytes]:
        out = self._d.decompress(data, OUTPUT_BYTES)
        while True:
            if out:
                yield out
            if self._d.eof or self._d.needs_input:
                return
            out = self._d.decompress(b"", OUTPUT_BYTES)


def inflate(
    chunks: Iterator[bytes],
    make: Callable[[], Decompressor],
    label: str,
    state: StreamState,
    *,
    multi: bool,
) -> Iterator[bytes]:
    """Decompress a whole stream; ``multi`` reads concatenated members (gzip, pbzip2)."""
    stream = make()
    try:
        for chunk in chunks:
            while chunk:
                if stream.eof:
                    # Zero padding after the last member is common and harmless.
                    if not multi or not chunk.strip(b"\0"):
                        return
                    stream = make()
                yield from stream.feed(chunk)
                chunk = stream.unused_data if stream.eof else b""
    except DECOMPRESSION_ERRORS as exc:
        raise corrupt(label, exc) from exc
    _check_complete(stream, label, state)


def inflate_member(
    reader: ChunkReader, make: Callable[[], Decompressor], label: str, state: StreamState
) -> Iterator[bytes]:
    """Decompress one self-terminating stream and hand the bytes after it back to ``reader``."""
    stream = make()
    try:
        while not stream.eof and (chunk := reader.read_some()):
            yield from stream.feed(chunk)
    except DECOMPRESSION_ERRORS as exc:
        raise corrupt(label, exc) from exc
    reader.unread(stream.unused_data)
    _check_complete(stream, label, state)


def corrupt(label: str, exc: BaseException) -> UserError:
    return codes.wrong_format(f"The file is not valid {label} data ({exc}).")


def _check_complete(stream: Decompressor, label: str, state: StreamState) -> None:
    # At a cap the stream is cut on purpose; at the real end a missing trailer means truncation.
    if not stream.eof and not state.truncated:
        raise codes.wrong_format(f"The {label} data ends early: the file looks truncated.")
