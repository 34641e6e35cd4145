"""Ranged and streaming reads of one object against real S3 servers."""

from __future__ import annotations

import pytest

from flowservice.drivers.base import ByteSource
from flowservice.drivers.s3 import S3Driver
from flowservice.errors import UserError
from flowservice.settings import Settings
from tests.support.s3servers import S3Server

pytestmark = pytest.mark.s3

KEY = "Access Key"
DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def source(loopback_settings: Settings, s3_server: S3Server) -> ByteSource:
    bucket = s3_server.new_bucket()
    s3_server.put_objects(bucket, {"dir/data.bin": DATA})
    driver = S3Driver(loopback_settings)
    return driver.open_file(KEY, s3_server.params(bucketName=bucket), f"/{bucket}/dir/data.bin")


def test_open_file_heads_the_object(source: ByteSource) -> None:
    assert source.size == len(DATA)
    assert source.name == "data.bin"
    assert source.bytes_read == 0


def test_read_range_returns_exact_bytes_and_counts_them(source: ByteSource) -> None:
    assert source.read_range(0, 10) == DATA[:10]
    assert source.read_range(5000, 300) == DATA[5000:5300]
    assert source.bytes_read == 310


def test_read_range_is_short_at_the_end_and_empty_past_it(source: ByteSource) -> None:
    assert source.read_range(len(DATA) - 4, 100) == DATA[-4:]
    assert source.read_range(len(DATA), 10) == b""
    assert source.read_range(3, 0) == b""
    assert source.bytes_read == 4


def test_iter_chunks_streams_from_an_offset(source: ByteSource) -> None:
    chunks = list(source.iter_chunks(start=1000, chunk_size=4096))
    assert b"".join(chunks) == DATA[1000:]
    assert max(len(c) for c in chunks) <= 4096
    assert source.bytes_read == len(DATA) - 1000
    assert list(source.iter_chunks(start=len(DATA))) == []


def test_iter_chunks_can_stop_early(source: ByteSource) -> None:
    chunks = source.iter_chunks(chunk_size=1024)
    assert next(iter(chunks)) == DATA[:1024]
    chunks.close()  # type: ignore[attr-defined]
    assert source.bytes_read == 1024


def test_missing_key_is_1362_404(loopback_settings: Settings, s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket()
    driver = S3Driver(loopback_settings)
    with pytest.raises(UserError) as caught:
        driver.open_file(KEY, s3_server.params(), f"/{bucket}/nope.csv")
    assert caught.value.code == "1362-404"


def test_a_folder_is_not_a_file(loopback_settings: Settings, s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket()
    s3_server.put_objects(bucket, {"dir/a.csv": b"a"})
    driver = S3Driver(loopback_settings)
    for path in (f"/{bucket}/dir/", f"/{bucket}/dir", f"/{bucket}"):
        with pytest.raises(UserError) as caught:
            driver.open_file(KEY, s3_server.params(), path)
        assert caught.value.code == "1368-400", path
