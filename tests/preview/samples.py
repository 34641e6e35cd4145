"""Builders for test files: compressed and archived variants, Parquet files, and a shortcut."""

from __future__ import annotations

import bz2
import gzip
import io
import tarfile
import zipfile
import zlib
from typing import Any

from flowservice.preview import PreviewOptions, preview
from tests.preview.fakes import MemorySource

CSV = (
    b"Id,Name,Amount,Joined,Active\n"
    b"1,Ann,1.5,2020-01-31,true\n"
    b'2,"Smith, Bob",2,2021-02-28,false\n'
    b"3,,,,\n"
)
CSV_ROWS = [
    {"Id": 1, "Name": "Ann", "Amount": 1.5, "Joined": "2020-01-31", "Active": True},
    {"Id": 2, "Name": "Smith, Bob", "Amount": 2.0, "Joined": "2021-02-28", "Active": False},
    {"Id": 3, "Name": None, "Amount": None, "Joined": None, "Active": None},
]
JSONL = (
    b'{"id": 1, "tags": ["a"], "who": {"name": "Ann"}}\n'
    b'{"id": 2, "tags": [], "who": {"name": "Bob"}}\n'
)
JSONL_ROWS = [
    {"id": 1, "tags": ["a"], "who": {"name": "Ann"}},
    {"id": 2, "tags": [], "who": {"name": "Bob"}},
]

COMPRESSIONS = ["none", "gzip", "bzip2", "deflate", "zipDeflate", "tar", "tarGzip"]


def compress(data: bytes, compression: str, member: str = "data.txt") -> bytes:
    """``data`` in the given container; "deflate" is zlib-wrapped, "rawDeflate" is bare."""
    if compression == "none":
        return data
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "bzip2":
        return bz2.compress(data)
    if compression == "deflate":
        return zlib.compress(data)
    if compression == "rawDeflate":
        packer = zlib.compressobj(wbits=-15)
        return packer.compress(data) + packer.flush()
    if compression == "zipDeflate":
        return zip_bytes([(member, data)])
    if compression == "tar":
        return tar_bytes([(member, data)])
    if compression == "tarGzip":
        return gzip.compress(tar_bytes([(member, data)]), mtime=0)
    raise AssertionError(compression)


def zip_bytes(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(entries: list[tuple[str, bytes | None]]) -> bytes:
    """``None`` data makes a directory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def parquet_bytes(table: Any, **write_options: Any) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer, **write_options)
    return buffer.getvalue()


def run(data: bytes, **options: Any) -> dict[str, Any]:
    return preview(MemorySource(data), PreviewOptions(**options))


def columns(document: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["type"] for c in document["schema"]["columns"]}
