"""The driver contract. A new source is a spec file plus a class implementing :class:`Driver`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "ByteSource",
    "Driver",
    "Entry",
    "FileInfo",
    "Page",
    "TestReport",
    "TestStep",
]


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of an explore listing, as the contract shows it."""

    type: Literal["file", "folder"]
    name: str
    path: str  # "/bucket/a/b.csv", folders end with "/"

    def to_wire(self) -> dict[str, Any]:
        is_file = self.type == "file"
        return {
            "type": self.type,
            "name": self.name,
            "path": self.path,
            "canPreview": is_file,
            "canFetchSchema": is_file,
        }


@dataclass(frozen=True, slots=True)
class FileInfo:
    """One file a run may ingest: where it is, how big, when last modified, which version."""

    path: str  # "/bucket/a/b.csv"
    size: int
    modified_ms: int
    etag: str


@dataclass(frozen=True, slots=True)
class Page:
    """A page of a listing; ``next_token`` is None on the last page."""

    entries: list[Entry]
    next_token: str | None = None


@dataclass(frozen=True, slots=True)
class TestStep:
    __test__ = False  # not a pytest test class, despite the name
    name: str
    outcome: Literal["passed", "failed", "skipped"]
    code: str | None = None
    message: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class TestReport:
    __test__ = False
    steps: list[TestStep] = field(default_factory=list)

    @property
    def result(self) -> bool:
        return bool(self.steps) and all(s.outcome != "failed" for s in self.steps)


class ByteSource(Protocol):
    """Random and streaming access to one object's bytes, without holding it in memory."""

    @property
    def size(self) -> int: ...

    @property
    def name(self) -> str: ...

    def read_range(self, start: int, length: int) -> bytes:
        """Bytes ``[start, start+length)``; shorter at the end of the object."""
        ...

    def iter_chunks(self, start: int = 0, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        """Stream the object from ``start``; the consumer may stop early (close the iterator)."""
        ...

    @property
    def bytes_read(self) -> int:
        """How many bytes were fetched from the source so far (for metrics and benchmarks)."""
        ...


class Driver(Protocol):
    """Everything the API needs from a source, given one connection's decrypted auth params."""

    def check_params(self, spec_name: str, params: Mapping[str, Any]) -> None:
        """Checks beyond the JSON Schema (e.g. the endpoint guard); raise a UserError."""
        ...

    def test(self, spec_name: str, params: Mapping[str, Any]) -> TestReport: ...

    def list_root(
        self, spec_name: str, params: Mapping[str, Any], limit: int, token: str | None
    ) -> Page: ...

    def list_folder(
        self,
        spec_name: str,
        params: Mapping[str, Any],
        path: str,
        limit: int,
        token: str | None,
    ) -> Page: ...

    def open_file(
        self, spec_name: str, params: Mapping[str, Any], path: str, *, size: int | None = None
    ) -> ByteSource:
        """The object at ``path``; with ``size`` (known from a listing) it is not asked for."""
        ...

    def list_files(
        self, spec_name: str, params: Mapping[str, Any], folder: str, recursive: bool
    ) -> Iterator[FileInfo]:
        """Every file in ``folder`` (and below it if ``recursive``), in key order, page by page:
        never the whole listing in memory. Folder markers are not files."""
        ...

    def check_path(self, spec_name: str, params: Mapping[str, Any], path: str) -> None:
        """Refuse a source connection's path (wildcards in its last segment) outside the
        connection's scope, or malformed, with a UserError. Needs no secret params."""
        ...
