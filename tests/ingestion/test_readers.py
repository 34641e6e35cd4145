"""Reading one file into Arrow batches: every format and compression, bad rows kept aside."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowservice.ingestion.readers import FileFormat, RowIssue, read_batches
from tests.preview.fakes import MemorySource

CSV = 'id,name,city\n1,Ann,Oslo\n2,Bøb,Lima\n3,"Cy, Jr",\n'


def _read(data: bytes, fmt: FileFormat) -> tuple[pa.Table, list[RowIssue]]:
    issues: list[RowIssue] = []
    batches = list(read_batches(MemorySource(data), "/b/in/f", fmt, issues))
    return pa.Table.from_batches(batches) if batches else pa.table({}), issues


def _zip(data: bytes) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", data)
    return sink.getvalue()


@pytest.mark.parametrize(
    ("data", "compression"),
    [
        (CSV.encode(), "none"),
        (b"\xef\xbb\xbf" + CSV.encode(), "none"),
        (gzip.compress(CSV.encode()), "gzip"),
        (bz2.compress(CSV.encode()), "bzip2"),
        (_zip(CSV.encode()), "zipDeflate"),
    ],
    ids=["plain", "bom", "gzip", "bzip2", "zip"],
)
def test_csv_in_every_compression_reads_as_text(data: bytes, compression: str) -> None:
    table, issues = _read(data, FileFormat("delimited", compression))  # type: ignore[arg-type]
    assert table.schema == pa.schema(
        [("id", pa.string()), ("name", pa.string()), ("city", pa.string())]
    )
    assert table.to_pylist()[1:] == [
        {"id": "2", "name": "Bøb", "city": "Lima"},
        {"id": "3", "name": "Cy, Jr", "city": ""},
    ]
    assert issues == []


def test_tsv_in_latin_1() -> None:
    data = "id\tname\n1\tJosé\n".encode("latin-1")
    table, _ = _read(data, FileFormat("delimited", delimiter="\t", encoding="ISO-8859-1"))
    assert table.to_pylist() == [{"id": "1", "name": "José"}]


def test_rows_with_the_wrong_field_count_are_issues_not_failures() -> None:
    data = b"id,name\n1,Ann\n2,Bob,extra\n3,Cy\n"
    table, issues = _read(data, FileFormat("delimited"))
    assert table.column("id").to_pylist() == ["1", "3"]
    assert [(i.code, i.record) for i in issues] == [("INGEST-1401-400", "2,Bob,extra")]
    assert issues[0].file == "/b/in/f"


def test_many_rows_stream_in_several_batches() -> None:
    data = b"id,v\n" + b"".join(b"%d,%d\n" % (i, i * 2) for i in range(1_000_000))
    batches = list(
        read_batches(MemorySource(gzip.compress(data)), "f", FileFormat("delimited", "gzip"), [])
    )
    assert len(batches) > 1
    assert sum(b.num_rows for b in batches) == 1_000_000


def test_json_lines_and_json_arrays() -> None:
    records = [{"id": 1, "tags": ["a"]}, {"id": 2, "tags": []}]
    lines = "\n".join(json.dumps(r) for r in records).encode()
    table, _ = _read(gzip.compress(lines), FileFormat("json", "gzip"))
    assert table.to_pylist() == records
    array, issues = _read(
        b" [\n" + b",\n".join(json.dumps(r).encode() for r in records) + b", 7]", FileFormat("json")
    )
    assert array.to_pylist() == records
    assert [(i.line, i.reason) for i in issues] == [(3, "The record is not a JSON object.")]


def test_parquet_by_row_groups() -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"id": list(range(1000)), "s": ["x"] * 1000}), sink, row_group_size=100)
    table, _ = _read(sink.getvalue(), FileFormat("parquet"))
    assert table.num_rows == 1000
    assert table.column("id").to_pylist()[-1] == 999


@pytest.mark.parametrize(
    ("data", "fmt", "reason"),
    [
        (b"id,v\n1," + b"x" * (2 * 1024 * 1024) + b"\n", FileFormat("delimited"), "longer than 1"),
        (b"id,v\n1,\xff\xfe\n", FileFormat("delimited"), "UTF8"),
        (b'{"a": 1}\n{"a": [1, "x"\n', FileFormat("json"), "JSON"),
    ],
    ids=["row-over-a-block", "not-utf-8", "broken-json-line"],
)
def test_what_pyarrow_cannot_parse_is_a_failed_file_not_a_crash(
    data: bytes, fmt: FileFormat, reason: str
) -> None:
    from flowservice.errors import UserError

    with pytest.raises(UserError, match=reason) as raised:
        _read(data, fmt)
    assert raised.value.message.startswith("The file cannot be read as")


def test_gzip_members_in_a_row_read_as_one_file_and_a_cut_one_is_a_failed_file() -> None:
    from flowservice.errors import UserError

    whole = gzip.compress(b"id,v\n1,a\n") + gzip.compress(b"2,b\n")
    table, _ = _read(whole, FileFormat("delimited", "gzip"))
    assert table.column("id").to_pylist() == ["1", "2"]
    with pytest.raises(UserError, match="gzip"):
        _read(whole[:-6], FileFormat("delimited", "gzip"))
    with pytest.raises(UserError, match="gzip"):
        _read(b"not gzip at all", FileFormat("delimited", "gzip"))
