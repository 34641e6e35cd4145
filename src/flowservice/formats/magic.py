"""What a file is, judged from its first bytes (never from its name)."""

from __future__ import annotations

import re
import zlib

from flowservice.formats.kinds import Compression

_BZIP2 = re.compile(rb"BZh[1-9](?:\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)")
_TAR_BLOCK = 512
# Every byte except the C0 controls that binary data is full of and text is not.
_NOT_BINARY = bytes(b for b in range(256) if b >= 0x20 or b in b"\t\n\r\f\v\x1b")
_BINARY_RATIO = 0.05

#: Enough of the head to judge every format below (a tar header is 512 bytes).
HEAD_BYTES = _TAR_BLOCK


def compression_of(head: bytes) -> Compression | None:
    """The container or compression the head shows; None when it shows none."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if _BZIP2.match(head):
        return "bzip2"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zipDeflate"
    if is_tar(head):
        return "tar"
    if is_zlib(head):
        return "deflate"
    return None


def is_tar(head: bytes) -> bool:
    """A POSIX or GNU tar header: "ustar" at 257 and a valid header checksum."""
    if len(head) < _TAR_BLOCK or head[257:262] != b"ustar":
        return False
    try:
        stored = int(head[148:156].strip(b" \0") or b"0", 8)
    except ValueError:
        return False
    header = head[:_TAR_BLOCK]
    unsigned = sum(header[:148]) + 8 * ord(" ") + sum(header[156:])
    return stored == unsigned


def is_zlib(head: bytes) -> bool:
    """A zlib header (RFC 1950) that also starts to inflate; text can begin with "x" too."""
    if len(head) < 2:
        return False
    cmf, flg = head[0], head[1]
    header_ok = cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0
    return header_ok and not flg & 0x20 and inflates(head, zlib.MAX_WBITS)


def inflates(head: bytes, wbits: int) -> bool:
    """Whether the head starts a valid deflate stream of the given framing."""
    try:
        zlib.decompressobj(wbits).decompress(head, 64 * 1024)
    except zlib.error:
        return False
    return True


def is_parquet_head(head: bytes) -> bool:
    """The Parquet magic followed by binary (a page header): a CSV header may start "PAR1"."""
    return head.startswith(b"PAR1") and looks_binary(head[4:64])


def looks_binary(sample: bytes) -> bool:
    """NUL bytes, or more than a few control characters, are not text in either encoding."""
    if b"\0" in sample:
        return True
    controls = len(sample.translate(None, _NOT_BINARY))
    return bool(sample) and controls / len(sample) > _BINARY_RATIO
