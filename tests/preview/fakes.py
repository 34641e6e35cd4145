"""An in-memory ByteSource: the I/O seam of the preview engine."""

from __future__ import annotations

from collections.abc import Iterator


class MemorySource:
    """Serves ``data`` like a driver would, counting every byte handed out.

    ``fail_with`` makes every read raise that exception, as a failing driver would.
    """

    def __init__(
        self, data: bytes, name: str = "file", *, fail_with: Exception | None = None
    ) -> None:
        self._data = data
        self._name = name
        self._fail_with = fail_with
        self._bytes_read = 0
        self.ranges: list[tuple[int, int]] = []
        self.open_streams = 0

    @property
    def size(self) -> int:
        return len(self._data)

    @property
    def name(self) -> str:
        return self._name

    @property
    def bytes_read(self) -> int:
        return self._bytes_read

    def read_range(self, start: int, length: int) -> bytes:
        self._maybe_fail()
        data = self._data[start : start + length]
        self.ranges.append((start, len(data)))
        self._bytes_read += len(data)
        return data

    def iter_chunks(self, start: int = 0, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        self.open_streams += 1
        try:
            for offset in range(start, len(self._data), chunk_size):
                self._maybe_fail()
                chunk = self._data[offset : offset + chunk_size]
                self._bytes_read += len(chunk)
                yield chunk
        finally:
            self.open_streams -= 1

    def _maybe_fail(self) -> None:
        if self._fail_with is not None:
            raise self._fail_with
