"""The engine's view of the driver's ByteSource: shares the file's first bytes between passes,
and tags the driver's own failures so the engine's error boundary lets them through untouched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from flowservice.drivers.base import ByteSource
from flowservice.formats.stream import close_quietly
from flowservice.preview.limits import CHUNK_BYTES, PREFIX_CACHE_BYTES

T = TypeVar("T")


class SourceFailure(Exception):
    """A failure of the driver, carried through the engine and re-raised as it was."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original


def _guarded(call: Callable[[], T]) -> T:
    try:
        return call()
    except Exception as exc:
        raise SourceFailure(exc) from exc


class SampledSource:
    """A ByteSource that remembers the first bytes streamed from offset 0.

    Detecting properties reads the head of the file and the preview reads it again; replaying
    the remembered prefix keeps that to one fetch.
    """

    def __init__(self, source: ByteSource, keep: int = PREFIX_CACHE_BYTES) -> None:
        self._source = source
        self._keep = keep
        self._prefix = bytearray()

    @property
    def size(self) -> int:
        return _guarded(lambda: self._source.size)

    @property
    def name(self) -> str:
        return _guarded(lambda: self._source.name)

    @property
    def bytes_read(self) -> int:
        return _guarded(lambda: self._source.bytes_read)

    def read_range(self, start: int, length: int) -> bytes:
        if start + length <= len(self._prefix):
            return bytes(self._prefix[start : start + length])
        return _guarded(lambda: self._source.read_range(start, length))

    def iter_chunks(self, start: int = 0, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
        if start != 0:
            return self._stream(start, chunk_size, record=False)
        return self._replay(chunk_size)

    def _replay(self, chunk_size: int) -> Iterator[bytes]:
        if self._prefix:
            yield bytes(self._prefix)
        yield from self._stream(len(self._prefix), chunk_size, record=True)

    def _stream(self, start: int, chunk_size: int, *, record: bool) -> Iterator[bytes]:
        chunks = _guarded(lambda: self._source.iter_chunks(start, chunk_size))
        try:
            while (chunk := _guarded(lambda: next(chunks, None))) is not None:
                record = record and self._remember(chunk)
                yield chunk
        finally:
            _guarded(lambda: close_quietly(chunks))

    def _remember(self, chunk: bytes) -> bool:
        """Append to the prefix while it stays contiguous and small; False once it is full."""
        if len(self._prefix) + len(chunk) > self._keep:
            return False
        self._prefix += chunk
        return True
