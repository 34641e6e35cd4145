"""Bytes read and time spent do not grow with the file's size."""

import gzip
import io
import json
import random
import zlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowservice.errors import UserError
from flowservice.formats.rangefile import RangeFile
from flowservice.preview import PreviewOptions, preview
from flowservice.preview.limits import MAX_COLUMNS, MIB, PARQUET_BLOCK_BYTES
from tests.preview.fakes import MemorySource
from tests.preview.samples import parquet_bytes

_BIG = 50 * MIB


@pytest.fixture(scope="module")
def big_csv() -> bytes:
    row = b"12345,Some Name,42.5,2020-01-31,true,a fairly long free-text comment column\n"
    return b"id,name,amount,joined,active,comment\n" + row * (_BIG // len(row))


@pytest.fixture(scope="module")
def big_csv_gzip(big_csv: bytes) -> bytes:
    return gzip.compress(big_csv, compresslevel=1, mtime=0)


@pytest.mark.parametrize("determine", [False, True], ids=["explicit", "determined"])
def test_preview_of_a_50_mib_csv_reads_less_than_2_mib(big_csv, determine):
    source = MemorySource(big_csv)
    options = (
        PreviewOptions(determine_properties=True)
        if determine
        else PreviewOptions(file_type="delimited")
    )
    document = preview(source, options)
    assert len(document["data"]) == 100
    assert len(big_csv) >= _BIG - 100
    assert source.bytes_read < 2 * MIB
    assert source.open_streams == 0


@pytest.mark.parametrize("determine", [False, True], ids=["explicit", "determined"])
def test_preview_of_a_gzipped_50_mib_csv_reads_less_than_2_mib(big_csv_gzip, determine):
    source = MemorySource(big_csv_gzip)
    options = (
        PreviewOptions(determine_properties=True)
        if determine
        else PreviewOptions(file_type="delimited", compression_type="gzip")
    )
    document = preview(source, options)
    assert len(document["data"]) == 100
    assert source.bytes_read < 2 * MIB
    assert source.open_streams == 0


def test_preview_of_a_large_json_array_reads_a_bounded_prefix():
    record = b'{"id": 1, "name": "x", "nested": {"a": [1, 2, 3]}},'
    data = b"[" + record * (20 * MIB // len(record)) + b'{"id": 2}]'
    source = MemorySource(data)
    assert len(preview(source, PreviewOptions(file_type="json"))["data"]) == 100
    assert source.bytes_read < 1 * MIB


def test_gzip_bomb_stops_at_the_sample_cap():
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    block = b"\0" * MIB
    bomb = b"".join(packer.compress(block) for _ in range(512)) + packer.flush()
    source = MemorySource(bomb)
    with pytest.raises(UserError) as caught:
        preview(source, PreviewOptions(file_type="delimited", compression_type="gzip"))
    assert caught.value.code == "1373-400"
    assert source.bytes_read < len(bomb) // 4


def _first_row_group_end(data: bytes) -> int:
    group = pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0)
    return max(
        group.column(i).data_page_offset + group.column(i).total_compressed_size
        for i in range(group.num_columns)
    )


def test_parquet_preview_reads_only_the_footer_and_the_first_row_group():
    rng = random.Random(3)
    rows = 400_000
    table = pa.table(
        {"x": [rng.random() for _ in range(rows)], "s": [str(rng.random()) for _ in range(rows)]}
    )
    data = parquet_bytes(table, row_group_size=20_000)
    source = MemorySource(data)
    document = preview(source, PreviewOptions(file_type="parquet"))
    assert len(document["data"]) == 100
    first_group_end = _first_row_group_end(data)
    footer_start = len(data) - 8 - int.from_bytes(data[-8:-4], "little")
    assert len(data) > 10 * first_group_end
    for start, length in source.ranges:
        inside_first_group = start + length <= first_group_end + PARQUET_BLOCK_BYTES
        near_footer = start >= footer_start - PARQUET_BLOCK_BYTES
        assert inside_first_group or near_footer, (start, length)
    assert source.bytes_read <= first_group_end + 2 * PARQUET_BLOCK_BYTES


def test_range_file_serves_small_reads_from_cached_blocks():
    data = bytes(range(256)) * 1024
    source = MemorySource(data)
    file = RangeFile(source, block=4096)
    file.seek(-8, io.SEEK_END)
    assert file.read(8) == data[-8:]
    file.seek(100)
    assert file.read(10) == data[100:110]
    assert file.read(10) == data[110:120]
    assert file.tell() == 120
    assert len(source.ranges) == 2
    assert file.read_at(4000, 200) == data[4000:4200]
    assert source.ranges[-1] == (4196, 4096)  # [100, 4196) was cached: only the rest


def test_range_file_refuses_to_read_beyond_its_budget():
    source = MemorySource(b"x" * 10_000)
    file = RangeFile(source, block=1000, budget=2500)
    file.read_at(0, 10)
    file.read_at(5000, 10)
    with pytest.raises(UserError) as caught:
        file.read_at(8000, 10)
    assert caught.value.code == "1373-400"


def test_delimited_file_wider_than_the_column_limit_is_1373():
    data = b",".join(b"c%d" % i for i in range(MAX_COLUMNS + 1)) + b"\n1\n"
    with pytest.raises(UserError) as caught:
        preview(MemorySource(data), PreviewOptions(file_type="delimited"))
    assert caught.value.code == "1373-400"
    assert "10000 columns" in caught.value.message


def test_json_object_wider_than_the_column_limit_is_kept_as_text():
    wide = {f"k{i}": i for i in range(MAX_COLUMNS + 1)}
    data = json.dumps({"id": 1, "wide": wide}).encode()
    document = preview(MemorySource(data), PreviewOptions(file_type="json"))
    assert [c["type"] for c in document["schema"]["columns"]] == ["integer", "string"]
    assert json.loads(document["data"][0]["wide"]) == wide


def test_json_records_whose_merged_columns_exceed_the_limit_are_1373():
    width = MAX_COLUMNS // 50
    records = [
        json.dumps({f"c{j}": {f"r{r}k{i}": 1 for i in range(width)} for j in range(2)})
        for r in range(30)
    ]
    with pytest.raises(UserError) as caught:
        preview(MemorySource("\n".join(records).encode()), PreviewOptions(file_type="json"))
    assert caught.value.code == "1373-400"


def test_parquet_wider_than_the_column_limit_is_1373_before_reading_pages():
    table = pa.table({f"c{i}": [1] for i in range(MAX_COLUMNS + 1)})
    source = MemorySource(parquet_bytes(table))
    with pytest.raises(UserError) as caught:
        preview(source, PreviewOptions(file_type="parquet"))
    assert caught.value.code == "1373-400"
