"""Exactly-once commits into Delta: the app transaction check, and the race it settles."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from flowservice.ingestion.writer import committed_version, write_once

SCHEMA = pa.schema([("id", pa.int64())])


def _batches(*values: int) -> list[pa.RecordBatch]:
    return [pa.RecordBatch.from_pydict({"id": [v]}, schema=SCHEMA) for v in values]


def test_a_run_commits_once_and_a_retry_finds_it_committed(tmp_path: Path) -> None:
    uri = str(tmp_path / "table")
    first = write_once(uri, SCHEMA, iter(_batches(1, 2)), app_id="flow-a", seq=1, evolve=False)
    assert (first.already, first.rows, len(first.files)) == (False, 2, 1)
    assert first.bytes == first.files[0]["length"] > 0
    retried = write_once(uri, SCHEMA, iter(_batches(1, 2)), app_id="flow-a", seq=1, evolve=False)
    assert retried.already
    assert committed_version(uri, "flow-a") == 1
    assert DeltaTable(uri).to_pyarrow_table().num_rows == 2


def test_other_flows_and_later_runs_append(tmp_path: Path) -> None:
    uri = str(tmp_path / "table")
    write_once(uri, SCHEMA, iter(_batches(1)), app_id="flow-a", seq=1, evolve=False)
    write_once(uri, SCHEMA, iter(_batches(2)), app_id="flow-b", seq=1, evolve=False)
    later = write_once(uri, SCHEMA, iter(_batches(3)), app_id="flow-a", seq=2, evolve=False)
    assert not later.already
    assert sorted(DeltaTable(uri).to_pyarrow_table().column("id").to_pylist()) == [1, 2, 3]


def test_two_attempts_of_one_run_racing_leave_its_rows_once(tmp_path: Path) -> None:
    uri = str(tmp_path / "table")
    write_once(uri, SCHEMA, iter(_batches(0)), app_id="flow-a", seq=1, evolve=False)
    gate = threading.Barrier(2)
    results: list[bool] = []

    def attempt() -> None:
        def slow() -> object:
            gate.wait(timeout=10)  # both have read the snapshot: neither saw the other
            yield from _batches(7, 8)

        results.append(
            write_once(uri, SCHEMA, slow(), app_id="flow-a", seq=2, evolve=False).already
        )  # type: ignore[arg-type]

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert sorted(DeltaTable(uri).to_pyarrow_table().column("id").to_pylist()) == [0, 7, 8]


def test_a_new_column_needs_evolve(tmp_path: Path) -> None:
    uri = str(tmp_path / "table")
    write_once(uri, SCHEMA, iter(_batches(1)), app_id="f", seq=1, evolve=False)
    wider = pa.schema([("id", pa.int64()), ("name", pa.string())])
    batch = pa.RecordBatch.from_pydict({"id": [2], "name": ["x"]}, schema=wider)
    with pytest.raises(Exception, match=r"[Ss]chema"):
        write_once(uri, wider, iter([batch]), app_id="f", seq=2, evolve=False)
    write_once(uri, wider, iter([batch]), app_id="f", seq=2, evolve=True)
    assert DeltaTable(uri).to_pyarrow_table().column("name").to_pylist() in (
        [None, "x"],
        ["x", None],
    )
