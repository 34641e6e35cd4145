"""The first regular file of a zip or tar archive, streamed from the start of the archive.

Zip: local file headers are read in order (the central directory at the end would cost extra
ranged reads); directories are skipped. Tar: ``tarfile`` in stream mode ("r|").
"""

from __future__ import annotations

import struct
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from flowservice.formats import codes
from flowservice.formats.inflate import RAW_WBITS, Bz2Stream, ZlibStream, inflate_member
from flowservice.formats.stream import ChunkReader, StreamState

_LOCAL_HEADER = struct.Struct("<4s5H3I2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DIRECTORY_SIGNATURES = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06")
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_ZIP64_EXTRA = 0x0001
_ZIP64_MARKER = 0xFFFFFFFF
_ENCRYPTED, _HAS_DESCRIPTOR, _UTF8_NAME = 0x1, 0x8, 0x800
_STORED, _DEFLATED, _BZIP2 = 0, 8, 12
_READ_BYTES = 64 * 1024


@dataclass(frozen=True)
class _ZipEntry:
    name: str
    flags: int
    method: int
    compressed_size: int
    zip64: bool

    @property
    def is_directory(self) -> bool:
        return self.name.endswith("/")


def first_zip_member(chunks: Iterator[bytes], state: StreamState) -> Iterator[bytes]:
    reader = ChunkReader(chunks)
    while (entry := _next_entry(reader, state)) is not None:
        data = _entry_data(reader, entry, state)
        if not entry.is_directory:
            yield from data
            return
        for _ in data:  # a directory holds no data, but walk past whatever it declares
            pass
        _skip_descriptor(reader, entry)
    raise codes.empty_file("The zip archive holds no file to preview.")


def first_tar_member(chunks: Iterator[bytes], state: StreamState) -> Iterator[bytes]:
    reader = ChunkReader(chunks)
    yielded = False
    try:
        with tarfile.open(fileobj=cast("tarfile._Fileobj", reader), mode="r|") as archive:
            extracted = archive.extractfile(_first_file(archive))
            while extracted is not None and (block := extracted.read(_READ_BYTES)):
                yielded = True
                yield block
    except tarfile.TarError as exc:
        # At a cap the member is cut on purpose; what was read so far stands.
        if not state.truncated:
            raise codes.wrong_format(f"The file is not a valid tar archive ({exc}).") from exc
        if not yielded:
            raise _no_file_within_limit("tar") from exc


def _first_file(archive: tarfile.TarFile) -> tarfile.TarInfo:
    for member in archive:
        if member.isfile():
            return member
    raise codes.empty_file("The tar archive holds no regular file to preview.")


def _next_entry(reader: ChunkReader, state: StreamState) -> _ZipEntry | None:
    raw = reader.read(_LOCAL_HEADER.size)
    if raw[:4] in _DIRECTORY_SIGNATURES:
        return None  # past the last entry
    if len(raw) < _LOCAL_HEADER.size or raw[:4] != _LOCAL_SIGNATURE:
        raise _cut_or_corrupt(state, "no zip entry where one should start")
    _sig, _ver, flags, method, _t, _d, _crc, size, full_size, name_len, extra_len = (
        _LOCAL_HEADER.unpack(raw)
    )
    name = _read_exact(reader, name_len, state)
    extra = _read_exact(reader, extra_len, state)
    size, zip64 = _zip64_size(extra, size, full_size)
    encoding = "utf-8" if flags & _UTF8_NAME else "cp437"
    return _ZipEntry(name.decode(encoding, "replace"), flags, method, size, zip64)


def _entry_data(reader: ChunkReader, entry: _ZipEntry, state: StreamState) -> Iterator[bytes]:
    if entry.flags & _ENCRYPTED:
        raise codes.wrong_format(f"The zip entry {entry.name!r} is encrypted.", hint=False)
    if entry.method == _STORED:
        return _stored(reader, entry, state)
    if entry.method == _DEFLATED:
        return inflate_member(reader, lambda: ZlibStream(RAW_WBITS), "zip (deflate)", state)
    if entry.method == _BZIP2:
        return inflate_member(reader, Bz2Stream, "zip (bzip2)", state)
    raise codes.wrong_format(
        f"The zip entry {entry.name!r} uses compression method {entry.method}; preview reads "
        "stored, deflate and bzip2 entries.",
        hint=False,
    )


def _stored(reader: ChunkReader, entry: _ZipEntry, state: StreamState) -> Iterator[bytes]:
    if entry.flags & _HAS_DESCRIPTOR and not entry.is_directory:
        # Its size is only in the descriptor after the data: the end cannot be found.
        raise codes.wrong_format(
            f"The zip entry {entry.name!r} is stored with a data descriptor, which preview "
            "does not support.",
            hint=False,
        )
    remaining = entry.compressed_size
    while remaining and (chunk := reader.read_some()):
        part = chunk[:remaining]
        reader.unread(chunk[remaining:])
        remaining -= len(part)
        yield part
    if remaining and not state.truncated:
        raise codes.wrong_format(f"The zip entry {entry.name!r} is truncated.")


def _skip_descriptor(reader: ChunkReader, entry: _ZipEntry) -> None:
    if not entry.flags & _HAS_DESCRIPTOR:
        return
    # crc + two sizes (4 or 8 bytes each), after an optional signature.
    first = reader.read(4)
    rest = 16 if entry.zip64 else 8
    reader.read(rest + 4 if first == _DESCRIPTOR_SIGNATURE else rest)


def _zip64_size(extra: bytes, size: int, full_size: int) -> tuple[int, bool]:
    """The compressed size, from the zip64 extra field when the header holds the marker."""
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == _ZIP64_EXTRA:
            values = struct.unpack_from(f"<{length // 8}Q", extra, pos + 4)
            # The uncompressed size comes first when it, too, holds the marker.
            index = 1 if full_size == _ZIP64_MARKER else 0
            if size == _ZIP64_MARKER and index < len(values):
                size = values[index]
            return size, True
        pos += 4 + length
    return size, False


def _read_exact(reader: ChunkReader, size: int, state: StreamState) -> bytes:
    data = reader.read(size)
    if len(data) < size:
        raise _cut_or_corrupt(state, "the archive ends inside a header")
    return data


def _cut_or_corrupt(state: StreamState, what: str) -> Exception:
    if state.truncated:
        return _no_file_within_limit("zip")
    return codes.wrong_format(f"The file is not a valid zip archive ({what}).")


def _no_file_within_limit(kind: str) -> Exception:
    return codes.too_large(
        f"No file starts within the part of the {kind} archive that was read (a preview reads "
        "at most 16 MiB of a file)."
    )
