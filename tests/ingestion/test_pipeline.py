"""The pipeline's casting of small files together: rows in order, each failed record placed in
its own file and line."""

from __future__ import annotations

import pyarrow as pa

from flowservice.drivers.base import FileInfo
from flowservice.ingestion.pipeline import GATHER_ROWS, Pipeline
from flowservice.ingestion.readers import FileFormat
from tests.preview.fakes import MemorySource

FIELDS = [{"name": "id", "type": "long", "nullable": True}, {"name": "v", "type": "long"}]


def _csv(rows: list[str]) -> bytes:
    return ("id,v\n" + "".join(f"{r}\n" for r in rows)).encode()


def _run(files: dict[str, bytes]) -> tuple[Pipeline, list[pa.RecordBatch]]:
    infos = [FileInfo(path, len(data), 0, "e") for path, data in files.items()]
    pipeline = Pipeline(
        open_file=lambda info: MemorySource(files[info.path]),
        fmt=FileFormat("delimited"),
        mappings=[],
        fields=[dict(f, nullable=True) for f in FIELDS],
        evolve=False,
        threshold=50.0,
    )
    return pipeline, list(pipeline.batches(infos))


def test_small_files_are_cast_together_and_each_bad_value_keeps_its_file_and_line() -> None:
    files = {
        "/b/a.csv": _csv(["1,10", "2,x", "3,30"]),
        "/b/b.csv": _csv(["4,40", "5,50", "6,y"]),
        "/b/c.csv": _csv(["7,z", "8,80"]),
    }
    pipeline, batches = _run(files)
    assert len(batches) == 1  # three files, one cast
    ids = pa.Table.from_batches(batches).column("id").to_pylist()
    assert ids == [1, 3, 4, 5, 8]
    placed = sorted((i.file, i.line, i.column, i.code) for i in pipeline.tally.issues)
    assert placed == [
        ("/b/a.csv", 2, "v", "MAPPER-3700-400"),
        ("/b/b.csv", 3, "v", "MAPPER-3700-400"),
        ("/b/c.csv", 1, "v", "MAPPER-3700-400"),
    ]
    tally = pipeline.tally
    assert (tally.input_records, tally.output_records, tally.failed_records) == (8, 5, 3)


def test_a_file_of_many_rows_is_cast_on_its_own_between_gathered_ones() -> None:
    big = [f"{100 + n},{n}" for n in range(GATHER_ROWS)]
    files = {"/b/1.csv": _csv(["1,1"]), "/b/2.csv": _csv(big), "/b/3.csv": _csv(["2,2"])}
    _, batches = _run(files)
    ids = pa.Table.from_batches(batches).column("id").to_pylist()
    assert ids == [1, *range(100, 100 + GATHER_ROWS), 2]  # file order kept
    assert [b.num_rows for b in batches] == [1, GATHER_ROWS, 1]


def test_records_keep_their_lines_when_a_mapping_failed_before_them() -> None:
    """A mapping error leaves its row out; a cast error after it still names its own line."""
    from flowservice.mappings.evaluate import CompiledMapping
    from flowservice.mappings.expressions import parse

    data = _csv(["1,10", "x,20", "3,30", "4,bad", "5,50"])
    info = FileInfo("/b/m.csv", len(data), 0, "e")
    pipeline = Pipeline(
        open_file=lambda _: MemorySource(data),
        fmt=FileFormat("delimited"),
        mappings=[
            CompiledMapping("id", parse("to_integer(id)")),
            CompiledMapping("v", parse("v")),
        ],
        fields=[dict(f, nullable=True) for f in FIELDS],
        evolve=False,
        threshold=50.0,
    )
    batches = list(pipeline.batches([info]))
    assert pa.Table.from_batches(batches).column("id").to_pylist() == [1, 3, 5]
    assert sorted((i.line, i.column) for i in pipeline.tally.issues) == [(2, "id"), (4, "v")]
