"""A preview's content as a stream of bytes: decompressed, unpacked, and capped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flowservice.drivers.base import ByteSource
from flowservice.formats.decompress import decompress
from flowservice.formats.kinds import Compression
from flowservice.formats.stream import StreamState, capped, close_quietly
from flowservice.preview.limits import CHUNK_BYTES, MAX_SOURCE_BYTES


@contextmanager
def content(
    source: ByteSource, compression: Compression, limit: int
) -> Iterator[tuple[Iterator[bytes], StreamState]]:
    """At most ``limit`` bytes of content, from at most ``MAX_SOURCE_BYTES`` of the file.

    Closing releases the source's stream however far the consumer got.
    """
    state = StreamState()
    chunks = source.iter_chunks(0, CHUNK_BYTES)
    stream = capped(
        decompress(capped(chunks, MAX_SOURCE_BYTES, state), compression, state), limit, state
    )
    try:
        yield stream, state
    finally:
        close_quietly(stream)
        close_quietly(chunks)
