"""One object's bytes, by ranged GETs or one streaming GET, never the whole object in memory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flowservice.s3.errors import NotS3, source_errors
from flowservice.s3.paths import S3Location

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

__all__ = ["S3Object", "open_object"]

MAX_WINDOW = 8 * 1024 * 1024


class S3Object:
    """A :class:`~flowservice.drivers.base.ByteSource` over one S3 object."""

    def __init__(self, client: S3Client, location: S3Location, size: int) -> None:
        self._client = client
        self._location = location
        self._size = size
        self._bytes_read = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Object({self._location.path!r}, size={self._size})"

    @property
    def size(self) -> int:
        return self._size

    @property
    def name(self) -> str:
        return self._location.key.rsplit("/", 1)[-1]

    @property
    def path(self) -> str:
        return self._location.path

    @property
    def bytes_read(self) -> int:
        return self._bytes_read

    def _count(self, n: int) -> None:
        with self._lock:
            self._bytes_read += n

    def read_range(self, start: int, length: int) -> bytes:
        """Bytes ``[start, start+length)``; shorter at the end of the object."""
        end = min(start + length, self._size) - 1
        if start < 0 or length <= 0 or start > end:
            return b""
        with source_errors(f"reading {self.path}"):
            response = self._client.get_object(
                Bucket=self._location.bucket, Key=self._location.key, Range=f"bytes={start}-{end}"
            )
            if "ContentRange" not in response and response["ContentLength"] > end - start + 1:
                # Reading on would fetch the whole object: S3 always honours Range.
                response["Body"].close()
                raise NotS3("a ranged GET with the whole object (it ignored the Range header)")
            data = response["Body"].read()
        self._count(len(data))
        return data

    def iter_chunks(self, start: int = 0, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        """Stream from ``start`` in bounded ranged GETs that grow from ``chunk_size`` to 8 MiB.

        Each GET is read to its end, so its connection goes back to the pool, and a consumer
        that stops early (a preview, nearly always) leaves no open-ended request to abort: an
        open-ended ``bytes=start-`` GET closed after its first chunk costs a new connection and
        grows slower with the object's size.
        """
        position, window = max(start, 0), max(chunk_size, 1)
        while position < self._size:
            data = self.read_range(position, window)
            if not data:
                return
            for offset in range(0, len(data), chunk_size):
                yield data[offset : offset + chunk_size]
            position += len(data)
            window = min(window * 2, MAX_WINDOW)


def open_object(client: S3Client, location: S3Location) -> S3Object:
    """HEAD the object for its size; a missing key raises ``1362-404``."""
    with source_errors(f"opening {location.path}"):
        head = client.head_object(Bucket=location.bucket, Key=location.key)
    return S3Object(client, location, int(head["ContentLength"]))
