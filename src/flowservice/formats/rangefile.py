"""A read-only, seekable file over ``ByteSource.read_range``, for pyarrow.

pyarrow issues many small reads (magic, footer length, footer, page headers). Each miss fetches
at least a whole block, and recent blocks are kept, so those reads don't each become a round
trip to the source.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import TYPE_CHECKING

from flowservice.drivers.base import ByteSource
from flowservice.formats import codes

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


BLOCK_BYTES = 64 * 1024  # the smallest ranged read
CACHED_BLOCKS = 32


class RangeFile(io.RawIOBase):
    """``budget``: the most bytes it may fetch in all (a preview's cap); None for no cap."""

    def __init__(
        self,
        source: ByteSource,
        *,
        block: int = BLOCK_BYTES,
        budget: int | None = None,
        keep: int = CACHED_BLOCKS,
    ) -> None:
        super().__init__()
        self._source = source
        self._size = source.size
        self._block, self._budget, self._keep = block, budget, keep
        self._blocks: OrderedDict[int, bytes] = OrderedDict()
        self._position = 0
        self.fetched = 0

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        length = min(len(view), self._size - self._position)
        if length <= 0:
            return 0
        data = self.read_at(self._position, length)
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def read_at(self, start: int, length: int) -> bytes:
        """Bytes ``[start, start+length)``: what the cache holds, then one fetch for the rest."""
        head = self._cached(start, length)
        if len(head) == length:
            return head
        start, length = start + len(head), length - len(head)
        # Near the end, fetch the whole last block: it holds the footer and its length.
        at = start if length >= self._block else min(start, max(0, self._size - self._block))
        data = self._fetch(at, max(length, self._block, start + length - at))
        return head + data[start - at : start - at + length]

    def _cached(self, start: int, length: int) -> bytes:
        """The longest run of the wanted bytes, from ``start`` on, that one cached block holds."""
        best, best_start = b"", None
        for block_start, data in self._blocks.items():
            run = data[start - block_start : start - block_start + length]
            if block_start <= start and len(run) > len(best):
                best, best_start = run, block_start
        if best_start is not None:
            self._blocks.move_to_end(best_start)
        return best

    def _fetch(self, start: int, length: int) -> bytes:
        length = min(length, self._size - start)
        self.fetched += length
        if self._budget is not None and self.fetched > self._budget:
            raise codes.too_large(
                f"Previewing this Parquet file needs more than {self._budget // 2**20} MiB "
                "(very wide rows or very large pages), the preview's limit."
            )
        data = self._source.read_range(start, length)
        self._blocks[start] = data
        while len(self._blocks) > self._keep:
            self._blocks.popitem(last=False)
        return data
