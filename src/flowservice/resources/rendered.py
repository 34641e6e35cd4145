"""Rendered rows kept by id and etag: a list page renders only the rows it has not seen.

Every write of what a resource shows gives its row a new etag: the contract's etags are Cosmos
DB's, which change with every write of the document, and here the update routine
(flowservice.resources.updates), the run queue, a run's end and the flow's ``lastRunDetails``
all write one. So a row's id and etag name one rendering of it in a sandbox, in every process
that reads the same store. A list page first reads its rows' ids and etags (on SQLite ~45 µs
for 51 rows, where reading and converting whole rows costs ~175 µs) and answers the kept
renderings when it has them all; else it reads the page in full and renders only the rows it
has not kept (docs/benchmarks.md).

Kept as their JSON, so a kept rendering can neither be changed by a caller nor cost encoding
again; bounded by size, the oldest dropped first.

The rule is checked where it could be broken: a SQLAlchemy ``UPDATE`` of a table whose
renderings are kept that sets a shown column and no etag fails (``versioned``), from whichever
module it comes. (Textual SQL is not checked; the service sends none to these tables.)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, Update, event

__all__ = ["BUDGET_BYTES", "RenderedRows", "UnversionedWrite", "versioned"]

# About 5,000 connections or 2,000 runs of a few activities; a page has at most 100 rows.
BUDGET_BYTES = 4 << 20


class RenderedRows:
    """JSON renderings by (sandbox name, id, etag), at most ``budget`` bytes of them.

    Used from one event loop (the API's list reads), so there is no lock.
    """

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self._budget = budget
        self._size = 0
        self._kept: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()

    def get(self, sandbox_name: str, resource_id: str, etag: str) -> bytes | None:
        return self._kept.get((sandbox_name, resource_id, etag))

    def get_all(self, sandbox_name: str, versions: Iterable[tuple[Any, ...]]) -> list[bytes | None]:
        """The kept renderings of rows given as ``(id, etag, ...)``, None where none is kept."""
        get = self._kept.get
        return [get((sandbox_name, version[0], version[1])) for version in versions]

    def keep(self, sandbox_name: str, resource_id: str, etag: str, rendered: bytes) -> None:
        key = (sandbox_name, resource_id, etag)
        if key in self._kept:
            return
        self._kept[key] = rendered
        self._size += len(rendered)
        while self._size > self._budget:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._kept)


class UnversionedWrite(RuntimeError):
    """A write would change what a resource shows and keep its etag (a bug in this service)."""


_UNSHOWN: dict[Table, frozenset[str]] = {}  # the versioned tables, with their unshown columns


def versioned(table: Table, unshown: frozenset[str]) -> None:
    """From now on, refuse updates of ``table`` that set a column outside ``unshown`` without
    setting ``etag``."""
    _UNSHOWN[table] = unshown


@event.listens_for(Engine, "before_execute")
def _check_update(
    _connection: Connection,
    statement: Any,
    multiparams: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    _options: Any,
) -> None:
    if not isinstance(statement, Update) or not _UNSHOWN:
        return
    unshown = _UNSHOWN.get(statement.table)  # type: ignore[call-overload]
    if unshown is None:
        return
    names = {getattr(c, "key", c) for c in statement._values or ()}
    for values in (*multiparams, params):
        names.update(values)
    if "etag" not in names and not names <= unshown:
        shown = ", ".join(sorted(str(n) for n in names - unshown))
        raise UnversionedWrite(f"An update of {statement.table} sets {shown} without a new etag.")
