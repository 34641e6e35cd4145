"""A run's rows into its dataset's Delta table, exactly once (dataflows §13.3, engine notes §2).

Every run commits at most one Delta transaction, carrying the app transaction
``(app_id=<flow id>, version=<run seq>)``. Before writing, the table's snapshot is read: if it
already holds that transaction (``transaction_version(app_id) >= seq``), the run was committed by
an earlier attempt that crashed before recording it, and nothing is written again. The write then
commits against that same snapshot, so if another attempt of the same run committed in between,
Delta refuses this commit (``CommitFailedError``) instead of appending twice. Files written before
a refused or crashed commit are not in the log and are removed by ``vacuum``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    """
    import pyarrow as pa
    from deltalake import CommitProperties, Transaction, write_deltalake
    from deltalake.exceptions import CommitFailedError

    table = _table(uri)
    if table is not None and (table.transaction_version(app_id) or -1) >= seq:
        return Committed(already=True)
    # Read now: writing through this object moves it to the new version.
    start = int(table.version()) if table is not None else -1
    first = next(batches, None)
    if first is None:
        return Committed(already=False)
    counted = _Counted(itertools.chain([first], batches))
    reader = pa.RecordBatchReader.from_batches(schema or first.schema, iter(counted))
    properties = CommitProperties(app_transactions=[Transaction(app_id, seq)])
    try:
        write_deltalake(
            table if table is not None else uri, reader, mode="append",
            schema_mode="merge" if evolve else None, commit_properties=properties,
        )  # fmt: skip
    except CommitFailedError:
        if (committed_version(uri, app_id) or -1) >= seq:
            return Committed(already=True)  # another attempt of this run won the race
        raise
    version, files = _our_commit(uri, start, app_id, seq)
    for entry in files:
        entry.pop("rows", None)
    return Committed(False, version, counted.rows, sum(f["length"] for f in files), files)


class _Counted:
    def __init__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self._batches = batches
        self.rows = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self._batches:
            self.rows += batch.num_rows
            yield batch
