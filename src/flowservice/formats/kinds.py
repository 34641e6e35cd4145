"""The file types, compressions and encodings the contract names (explore §6, sources §3.1)."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["COMPRESSIONS", "ENCODINGS", "FILE_TYPES", "Compression", "Encoding", "FileType"]

FileType = Literal["delimited", "json", "parquet"]
Compression = Literal["none", "gzip", "bzip2", "deflate", "zipDeflate", "tar", "tarGzip"]
Encoding = Literal["UTF-8", "ISO-8859-1"]

FILE_TYPES: tuple[FileType, ...] = get_args(FileType)
COMPRESSIONS: tuple[Compression, ...] = get_args(Compression)
ENCODINGS: tuple[Encoding, ...] = get_args(Encoding)
