"""A run's rows into its dataset's Delta table, exactly once (dataflows §13.3, engine notes §2).

Every run commits at most one Delta transaction, carrying the app transaction
``(app_id=<flow id>, version=<run seq>)``. Before writing, the table's snapshot is read: if it
already holds that transaction (``transaction_version(app_id) >= seq``), the run was committed by
an earlier attempt that crashed before recording it, and nothing is written again. The write then
commits against that same snapshot, so if another attempt of the same run committed in between,
Delta refuses this commit (``CommitFailedError``) instead of appending twice. The rows are written
as Parquet files first (:mod:`parts`) and added by that one commit; a run that fails or is refused
removes its files, and those of a process killed before its commit are in no version of the table
(``vacuum`` removes them).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowservice.ingestion.parts import Part, PartWriter

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Committed", "committed_run", "committed_version", "write_once"]


@dataclass
class Committed:
    """What a run's commit put in the table (or found already there)."""

    already: bool  # committed by an earlier attempt of the same run
    version: int | None = None  # the table version of the commit, when known
    rows: int = 0
    bytes: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)  # {"path", "length"}


def _table(uri: str) -> Any:
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        return DeltaTable(uri)
    except TableNotFoundError:
        return None


def committed_version(uri: str, app_id: str) -> int | None:
    """The last run ``seq`` of ``app_id`` in the table's log, or None."""
    table = _table(uri)
    return None if table is None else table.transaction_version(app_id)


def committed_run(uri: str, app_id: str, seq: int) -> Committed:
    """What an earlier attempt of the run committed (its files and rows), read from the log."""
    version, files = _our_commit(uri, -1, app_id, seq)
    rows = sum(int(f.pop("rows", 0)) for f in files)
    return Committed(True, version, rows, sum(f["length"] for f in files), files)


def _our_commit(uri: str, after: int, app_id: str, seq: int) -> tuple[int, list[dict[str, Any]]]:
    """The version that carries ``(app_id, seq)`` (other flows may commit beside it) and the
    data files it added, read from the log entries after ``after``."""
    log = Path(uri) / "_delta_log"
    version = after + 1
    while (entry := log / f"{version:020d}.json").exists():
        actions = [json.loads(line) for line in entry.read_text().splitlines() if line.strip()]
        ours = any(
            a.get("txn", {}).get("appId") == app_id and a["txn"].get("version") == seq
            for a in actions
        )
        if ours:
            files = [_file(a["add"]) for a in actions if "add" in a]  # fmt: skip
            return version, files
        version += 1
    raise RuntimeError(f"The commit of {app_id} run {seq} is not in the log of {uri}.")


def _file(add: dict[str, Any]) -> dict[str, Any]:
    stats = json.loads(add.get("stats") or "{}")
    return {
        "path": add["path"],
        "length": int(add["size"]),
        "rows": int(stats.get("numRecords", 0)),
    }


def write_once(
    uri: str,
    schema: pa.Schema | None,
    batches: Iterator[pa.RecordBatch],
    *,
    app_id: str,
    seq: int,
    evolve: bool,
) -> Committed:
    """Stream ``batches`` into the table in one commit tagged ``(app_id, seq)``.

    ``schema`` None: the first batch's. No batch at all: nothing is committed (``rows == 0``).
    The rows go to Parquet files first (:mod:`parts`); the commit then adds them all at once, so
    a crash or a refused commit leaves only files that no version of the table lists.
    """
    from deltalake.exceptions import CommitFailedError

    table = _table(uri)
    if table is not None and (table.transaction_version(app_id) or -1) >= seq:
        return Committed(already=True)
    first = next(batches, None)
    if first is None:
        return Committed(already=False)
    schema = schema or first.schema
    if table is not None and not evolve and (extra := _new_columns(table, schema)):
        names = ", ".join(f.name for f in extra)
        raise ValueError(f"Schema mismatch: the table has no column {names} (evolve is off).")
    Path(uri).mkdir(parents=True, exist_ok=True)
    parts = PartWriter(uri, schema)
    try:
        for batch in itertools.chain([first], batches):
            parts.write(batch)
        written = parts.close()
        # Read now: committing through this object moves it to the new version.
        start = int(table.version()) if table is not None else -1
        _commit(uri, table, schema, written, app_id=app_id, seq=seq, evolve=evolve)
    except (CommitFailedError, _Conflict):
        parts.discard()
        if (committed_version(uri, app_id) or -1) >= seq:
            return Committed(already=True)  # another attempt of this run won the race
        raise
    except BaseException:
        parts.discard()
        raise
    version, files = _our_commit(uri, start, app_id, seq)
    for entry in files:
        entry.pop("rows", None)
    rows = sum(part.rows for part in written)
    return Committed(False, version, rows, sum(f["length"] for f in files), files)


class _Conflict(Exception):
    """Another commit got there first (the table's creation, or this run by another attempt)."""


def _commit(
    uri: str,
    table: Any,
    schema: pa.Schema,
    parts: list[Part],
    *,
    app_id: str,
    seq: int,
    evolve: bool,
) -> None:
    """One transaction adding ``parts`` with the run's app transaction.

    A new table is created by that same commit (a racing creator makes it fail as a conflict).
    New columns are added to an existing table's schema first, in a commit of their own (adding
    nullable columns changes no row); the run's commit then rests on that snapshot, and if
    another attempt of the run committed in between, the conflict check refuses it.
    """
    from deltalake import CommitProperties, Schema, Transaction
    from deltalake.exceptions import DeltaError
    from deltalake.transaction import create_table_with_add_actions

    properties = CommitProperties(app_transactions=[Transaction(app_id, seq)])
    actions = [part.add_action() for part in parts]
    if table is None:
        try:
            create_table_with_add_actions(
                uri, Schema.from_arrow(schema), actions, mode="error",
                commit_properties=properties,
            )  # fmt: skip
        except DeltaError as exc:
            if _table(uri) is None:
                raise
            raise _Conflict("The table was created by another commit.") from exc
        return
    if evolve:
        _add_columns(table, schema)
        if (table.transaction_version(app_id) or -1) >= seq:
            raise _Conflict("The run was committed by another attempt.")
    table.create_write_transaction(
        actions, mode="append", schema=table.schema(), commit_properties=properties
    )


def _add_columns(table: Any, schema: pa.Schema) -> None:
    if extra := _new_columns(table, schema):
        table.alter.add_columns(extra)


def _new_columns(table: Any, schema: pa.Schema) -> list[Any]:
    """The Delta fields of ``schema`` the table lacks (names compare case-insensitively)."""
    from deltalake import Schema

    known = {name.lower() for name in table.schema().to_arrow().names}
    return [f for f in Schema.from_arrow(schema).fields if f.name.lower() not in known]
