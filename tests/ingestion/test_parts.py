"""Parquet parts and their Delta statistics: row groups, rolling files, clean-up, exact bounds."""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from flowservice.ingestion import parts as parts_module
from flowservice.ingestion.parts import MIN_ROW_GROUP_ROWS, PartWriter
from flowservice.ingestion.stats import TEXT_PREFIX, FileStats
from flowservice.ingestion.writer import write_once

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


def _batch(start: int, rows: int) -> pa.RecordBatch:
    ids = list(range(start, start + rows))
    return pa.RecordBatch.from_pydict({"id": ids, "name": [f"n{i}" for i in ids]}, schema=SCHEMA)


def test_small_batches_are_gathered_into_row_groups(tmp_path: Path) -> None:
    writer = PartWriter(str(tmp_path), SCHEMA)
    rows = 1000
    per_group = -(-MIN_ROW_GROUP_ROWS // rows)  # batches that fill a row group
    count = 3 * per_group + 1
    for n in range(count):
        writer.write(_batch(n * rows, rows))
    [part] = writer.close()
    meta = pq.ParquetFile(tmp_path / part.path).metadata
    assert (meta.num_rows, part.rows) == (count * rows, count * rows)
    assert meta.num_row_groups == 4  # three gathered groups and the rest, not one per batch
    assert part.size == (tmp_path / part.path).stat().st_size


def _one_file_per_batch(root: Path, monkeypatch: pytest.MonkeyPatch) -> PartWriter:
    """A writer given three batches of 10 rows, with limits that make each its own file."""
    monkeypatch.setattr(parts_module, "TARGET_FILE_BYTES", 1)
    monkeypatch.setattr(parts_module, "MIN_ROW_GROUP_ROWS", 10)
    writer = PartWriter(str(root), SCHEMA)
    for n in range(3):
        writer.write(_batch(n * 10, 10))
    return writer


def test_a_file_past_the_target_size_rolls_to_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = _one_file_per_batch(tmp_path, monkeypatch).close()
    assert [p.rows for p in written] == [10, 10, 10]
    assert len({p.path for p in written}) == 3
    read = pq.read_table([str(tmp_path / p.path) for p in written])
    assert sorted(read.column("id").to_pylist()) == list(range(30))


def test_discard_removes_every_file_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = _one_file_per_batch(tmp_path, monkeypatch)
    deadline = time.monotonic() + 10
    while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)  # the encoding thread writes them
    assert len(list(tmp_path.iterdir())) >= 2
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_an_encoding_error_surfaces_and_the_files_go(tmp_path: Path) -> None:
    writer = PartWriter(str(tmp_path), SCHEMA)
    writer.write(_batch(0, MIN_ROW_GROUP_ROWS))
    wrong = pa.RecordBatch.from_pydict({"other": [1] * MIN_ROW_GROUP_ROWS})
    writer.write(wrong)  # handed to the encoding thread, which fails on it
    with pytest.raises(Exception, match=r"[Ss]chema"):
        writer.close()
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_a_stream_that_fails_leaves_no_files_and_no_commit(tmp_path: Path) -> None:
    uri = tmp_path / "table"

    def failing() -> object:
        yield _batch(0, MIN_ROW_GROUP_ROWS)
        yield _batch(MIN_ROW_GROUP_ROWS, 5)
        raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError, match="went away"):
        write_once(str(uri), SCHEMA, failing(), app_id="f", seq=1, evolve=False)  # type: ignore[arg-type]
    assert [p.name for p in uri.iterdir()] == []


def _stats(batches: list[pa.RecordBatch]) -> dict[str, object]:
    stats = FileStats(batches[0].schema)
    for batch in batches:
        stats.add(batch)
    result: dict[str, object] = json.loads(stats.to_json())
    return result


def test_stats_state_only_exact_bounds() -> None:
    utc = dt.UTC
    long_text = "z" * (TEXT_PREFIX + 5)
    first = pa.RecordBatch.from_pydict({
        "n": pa.array([5, None, -3], pa.int64()),
        "x": pa.array([1.5, 2.5, None], pa.float64()),
        "nan": pa.array([1.0, math.nan, 2.0], pa.float64()),
        "t": pa.array(["b", long_text, None]),
        "d": pa.array([dt.date(2024, 1, 2), None, dt.date(2023, 5, 6)], pa.date32()),
        "ts": pa.array(
            [dt.datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=utc), None, None], pa.timestamp("us", "UTC")
        ),
        "flag": pa.array([True, False, None]),
        "dec": pa.array([None, None, None], pa.decimal128(5, 2)),
        "empty": pa.array([None, None, None], pa.string()),
    })  # fmt: skip
    second = pa.RecordBatch.from_pydict(
        {name: pa.nulls(1, first.schema.field(name).type) for name in first.schema.names}
    ).set_column(0, "n", pa.array([9], pa.int64()))
    stats = _stats([first, second])
    assert stats["numRecords"] == 4
    assert stats["minValues"] == {
        "n": -3, "x": 1.5, "t": "b", "d": "2023-05-06", "ts": "2024-01-01T00:00:00.000001Z",
        "flag": False,
    }  # fmt: skip
    # The long text's maximum would be cut: not a true upper bound, so it is left out.
    assert stats["maxValues"] == {
        "n": 9, "x": 2.5, "d": "2024-01-02", "ts": "2024-01-01T00:00:00.000001Z", "flag": True,
    }  # fmt: skip
    assert stats["nullCount"] == {
        "n": 1, "x": 2, "nan": 1, "t": 2, "d": 2, "ts": 3, "flag": 2, "dec": 4, "empty": 4
    }  # fmt: skip


def test_readers_skipping_files_by_the_stats_still_find_every_row(tmp_path: Path) -> None:
    """Two commits with disjoint ranges: filtered reads (which prune by the stats) are exact."""
    uri = str(tmp_path / "table")
    schema = pa.schema([("id", pa.int64()), ("ts", pa.timestamp("us", "UTC"))])
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

    def batch(ids: range) -> pa.RecordBatch:
        times = [base + dt.timedelta(microseconds=i) for i in ids]
        return pa.RecordBatch.from_pydict({"id": list(ids), "ts": times}, schema=schema)

    write_once(uri, schema, iter([batch(range(0, 100))]), app_id="f", seq=1, evolve=False)
    write_once(uri, schema, iter([batch(range(100, 200))]), app_id="f", seq=2, evolve=False)
    table = DeltaTable(uri)
    adds = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    assert sorted(a["num_records"] for a in adds) == [100, 100]
    cut = base + dt.timedelta(microseconds=150)
    import pyarrow.dataset as ds

    dataset = table.to_pyarrow_dataset()
    late = dataset.to_table(filter=ds.field("ts") >= pa.scalar(cut, pa.timestamp("us", "UTC")))
    assert sorted(late.column("id").to_pylist()) == list(range(150, 200))
    exact = dataset.to_table(filter=ds.field("id") == 99)
    assert exact.column("id").to_pylist() == [99]
