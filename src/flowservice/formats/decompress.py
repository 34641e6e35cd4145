"""Decompression and unpacking as a stream of chunks, for every compression of the contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flowservice.formats import codes, magic
from flowservice.formats.archives import first_tar_member, first_zip_member
from flowservice.formats.inflate import (
    GZIP_WBITS,
    RAW_WBITS,
    ZLIB_WBITS,
    Bz2Stream,
    ZlibStream,
    inflate,
)
from flowservice.formats.kinds import Compression
from flowservice.formats.stream import StreamState, peek

__all__ = ["decompress"]

_LOOKS = {
    "gzip": "gzip-compressed",
    "bzip2": "bzip2-compressed",
    "zipDeflate": "like a zip archive",
    "tar": "like a tar archive",
}


def decompress(
    chunks: Iterator[bytes], compression: Compression, state: StreamState
) -> Iterator[bytes]:
    return _DECOMPRESSORS[compression](chunks, state)


def _gzip(chunks: Iterator[bytes], state: StreamState) -> Iterator[bytes]:
    return inflate(chunks, lambda: ZlibStream(GZIP_WBITS), "gzip", state, multi=True)


def _deflate(chunks: Iterator[bytes], state: StreamState) -> Iterator[bytes]:
    """Deflate files come both raw (RFC 1951) and zlib-wrapped (RFC 1950): the header tells."""
    head, chunks = peek(chunks, magic.HEAD_BYTES)
    wbits = ZLIB_WBITS if magic.is_zlib(head) else RAW_WBITS
    yield from inflate(chunks, lambda: ZlibStream(wbits), "deflate", state, multi=False)


def _bzip2(chunks: Iterator[bytes], state: StreamState) -> Iterator[bytes]:
    return inflate(chunks, Bz2Stream, "bzip2", state, multi=True)


def _tar_gzip(chunks: Iterator[bytes], state: StreamState) -> Iterator[bytes]:
    return first_tar_member(_gzip(chunks, state), state)


def _plain(chunks: Iterator[bytes], _state: StreamState) -> Iterator[bytes]:
    """Uncompressed content; a compressed or Parquet file gets a hint instead of a decode error."""
    head, chunks = peek(chunks, magic.HEAD_BYTES)
    found = magic.compression_of(head)
    if found in _LOOKS:  # not "deflate": text may start like a zlib header
        raise codes.wrong_format(
            f"The file looks {_LOOKS[found]}: set compressionType={found}, "
            "or use determineProperties=true.",
            hint=False,
        )
    if magic.is_parquet_head(head):
        raise codes.wrong_format(
            "The file looks like Parquet: set fileType=parquet, or use determineProperties=true.",
            hint=False,
        )
    yield from chunks


_DECOMPRESSORS: dict[Compression, Callable[[Iterator[bytes], StreamState], Iterator[bytes]]] = {
    "none": _plain,
    "gzip": _gzip,
    "bzip2": _bzip2,
    "deflate": _deflate,
    "zipDeflate": first_zip_member,
    "tar": first_tar_member,
    "tarGzip": _tar_gzip,
}
