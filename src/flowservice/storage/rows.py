"""What code that renders a stored row needs of it, whichever driver read it.

SQLAlchemy's ``Row`` has it; so has ``Record``, a row read by psycopg directly on the event loop
(flowservice.storage.async_reads). Renderers take ``Columns`` so they serve both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["Columns", "Record"]


class Columns(Protocol):
    """A row's columns, by attribute (``row.etag``) and by key (``row._mapping["etag"]``)."""

    @property
    def _mapping(self) -> Mapping[Any, Any]: ...

    def __getattr__(self, name: str) -> Any: ...


class Record:
    """A row as a mapping of column names, with the attribute access of SQLAlchemy's ``Row``."""

    __slots__ = ("_mapping",)

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self._mapping = mapping

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return f"Record({dict(self._mapping)!r})"
