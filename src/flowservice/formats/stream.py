"""Small pieces shared by the streaming stages: peek, cap, and a file-like reader over chunks."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class StreamState:
    """Shared by one pipeline's stages: did a cap, rather than the end of the content, stop it?

    A parser needs to know: at a cap, the last record may be cut and must be dropped; at the real
    end, it is complete.
    """

    truncated: bool = False


class SampleEnd(Exception):
    """Raised by a text stage when the sample stops at a cap, so a parser drops the cut record."""


def peek(chunks: Iterator[bytes], size: int) -> tuple[bytes, Iterator[bytes]]:
    """The first ``size`` bytes or more (fewer only at the end), and the whole stream again."""
    taken: list[bytes] = []
    have = 0
    for chunk in chunks:
        taken.append(chunk)
        have += len(chunk)
        if have >= size:
            break
    head = b"".join(taken)
    return head, itertools.chain([head] if head else [], chunks)


def capped(chunks: Iterator[bytes], limit: int, state: StreamState) -> Iterator[bytes]:
    """Pass at most ``limit`` bytes through; mark the state truncated if more were on offer."""
    remaining = limit
    for chunk in chunks:
        if len(chunk) > remaining:
            state.truncated = True
            if remaining:
                yield chunk[:remaining]
            return
        remaining -= len(chunk)
        if chunk:
            yield chunk


def close_quietly(iterator: object) -> None:
    """Close a generator (releasing the source's stream) if it can be closed."""
    close = getattr(iterator, "close", None)
    if callable(close):
        close()


class ChunkReader:
    """A read-only, forward-only file over a chunk iterator, with push-back.

    The zip and tar readers parse headers with exact reads and hand unused bytes back.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()
        self._position = 0

    def read(self, size: int = -1, /) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        count = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        return self._take(count)

    def read_some(self) -> bytes:
        """Whatever is buffered, or the next chunk; ``b""`` at the end."""
        if not self._buffer:
            return self._count(next(self._chunks, b""))
        return self._take(len(self._buffer))

    def unread(self, data: bytes) -> None:
        self._buffer[:0] = data
        self._position -= len(data)

    def tell(self) -> int:
        return self._position

    def seek(self, pos: int, /) -> int:
        raise io.UnsupportedOperation("seek")

    def write(self, data: bytes, /) -> int:
        raise io.UnsupportedOperation("write")

    def close(self) -> None:
        """Nothing to release: the engine closes the underlying stream."""

    def _take(self, count: int) -> bytes:
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return self._count(data)

    def _count(self, data: bytes) -> bytes:
        self._position += len(data)
        return data


class ChunkFile(io.RawIOBase):
    """A readable binary file over a chunk iterator, for readers that want a file (pyarrow)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        self.bytes_read += count
        return count

    def close(self) -> None:
        close_quietly(self._chunks)
        super().close()
