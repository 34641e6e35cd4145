import bz2
import gzip
import io
import zipfile
import zlib

import pytest

from flowservice.errors import UserError
from tests.preview.samples import (
    COMPRESSIONS,
    CSV,
    CSV_ROWS,
    JSONL,
    JSONL_ROWS,
    compress,
    run,
    tar_bytes,
    zip_bytes,
)


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize(
    ("file_type", "data", "rows"), [("delimited", CSV, CSV_ROWS), ("json", JSONL, JSONL_ROWS)]
)
def test_every_text_file_type_reads_under_every_compression(file_type, data, rows, compression):
    packed = compress(data, compression)
    document = run(packed, file_type=file_type, compression_type=compression)
    assert document["data"] == rows


@pytest.mark.parametrize("framing", ["deflate", "rawDeflate"], ids=["zlib-wrapped", "raw"])
def test_deflate_reads_both_raw_and_zlib_wrapped_streams(framing):
    packed = compress(CSV, framing)
    assert run(packed, file_type="delimited", compression_type="deflate")["data"] == CSV_ROWS


def test_concatenated_gzip_members_read_as_one_stream():
    packed = gzip.compress(CSV) + gzip.compress(b"4,Dan,1,2020-01-01,true\n")
    rows = run(packed, file_type="delimited", compression_type="gzip")["data"]
    assert [row["Id"] for row in rows] == [1, 2, 3, 4]


def test_gzip_followed_by_zero_padding_is_fine():
    packed = gzip.compress(CSV) + b"\0" * 1024
    assert run(packed, file_type="delimited", compression_type="gzip")["data"] == CSV_ROWS


def test_concatenated_bzip2_streams_read_as_one_stream():
    packed = bz2.compress(b"a\n1\n") + bz2.compress(b"2\n")
    rows = run(packed, file_type="delimited", compression_type="bzip2")["data"]
    assert rows == [{"a": 1}, {"a": 2}]


def test_zip_preview_skips_directories_and_reads_the_first_file():
    packed = zip_bytes([("folder/", b""), ("folder/a.csv", CSV), ("b.csv", b"x\n1\n")])
    assert run(packed, file_type="delimited", compression_type="zipDeflate")["data"] == CSV_ROWS


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2], ids=["stored", "bzip2"])
def test_zip_entries_stored_or_bzip2_are_read(method):
    packed = zip_bytes([("a.csv", CSV)], method=method)
    assert run(packed, file_type="delimited", compression_type="zipDeflate")["data"] == CSV_ROWS


class _WriteOnly(io.RawIOBase):
    """An unseekable sink: zipfile then writes data descriptors after each entry."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b):  # type: ignore[override]
        self.data += b
        return len(b)


def test_zip_written_as_a_stream_with_data_descriptors_is_read():
    sink = _WriteOnly()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("folder/", b"")
        archive.writestr("folder/a.csv", CSV)
    packed = bytes(sink.data)
    assert packed[6] & 0x08  # the first local header announces a data descriptor
    assert run(packed, file_type="delimited", compression_type="zipDeflate")["data"] == CSV_ROWS


def test_zip_entry_with_an_unsupported_method_is_1370():
    packed = zip_bytes([("a.csv", CSV)], method=zipfile.ZIP_LZMA)
    with pytest.raises(UserError) as caught:
        run(packed, file_type="delimited", compression_type="zipDeflate")
    assert caught.value.code == "1370-400"
    assert "compression method 14" in caught.value.message


def test_encrypted_zip_entry_is_1370():
    packed = bytearray(zip_bytes([("a.csv", CSV)]))
    packed[6] |= 0x01  # the encryption flag of the first local header
    with pytest.raises(UserError) as caught:
        run(bytes(packed), file_type="delimited", compression_type="zipDeflate")
    assert caught.value.code == "1370-400"
    assert "encrypted" in caught.value.message


@pytest.mark.parametrize(
    "packed",
    [zip_bytes([]), zip_bytes([("only/", b""), ("only/dir/", b"")])],
    ids=["empty", "dirs"],
)
def test_zip_without_a_regular_file_is_1371(packed):
    with pytest.raises(UserError) as caught:
        run(packed, file_type="delimited", compression_type="zipDeflate")
    assert caught.value.code == "1371-400"
    assert "zip archive holds no file" in caught.value.message


def test_tar_preview_skips_directories_and_reads_the_first_regular_file():
    packed = tar_bytes([("dir", None), ("dir/a.csv", CSV), ("b.csv", b"x\n1\n")])
    assert run(packed, file_type="delimited", compression_type="tar")["data"] == CSV_ROWS


def test_tar_without_a_regular_file_is_1371():
    with pytest.raises(UserError) as caught:
        run(tar_bytes([("dir", None)]), file_type="delimited", compression_type="tar")
    assert caught.value.code == "1371-400"
    assert "tar archive holds no regular file" in caught.value.message


def test_archive_whose_first_file_is_empty_is_1371():
    with pytest.raises(UserError) as caught:
        run(tar_bytes([("a.csv", b"")]), file_type="delimited", compression_type="tar")
    assert caught.value.code == "1371-400"


@pytest.mark.parametrize(
    ("compression", "packed"),
    [
        ("gzip", CSV),
        ("gzip", b"\x1f\x8b\x08\x00garbage-after-a-gzip-magic"),
        ("bzip2", CSV),
        ("bzip2", b"BZh9" + b"\x00" * 50),
        ("deflate", b"\xff" * 64),
        ("zipDeflate", CSV),
        ("zipDeflate", gzip.compress(CSV)),
        ("tar", CSV),
        ("tarGzip", gzip.compress(CSV)),
        ("tarGzip", CSV),
    ],
)
def test_content_that_is_not_the_declared_compression_is_1370(compression, packed):
    with pytest.raises(UserError) as caught:
        run(packed, file_type="delimited", compression_type=compression)
    assert caught.value.code == "1370-400"


@pytest.mark.parametrize("compression", ["gzip", "bzip2", "deflate", "zipDeflate", "tarGzip"])
def test_truncated_compressed_file_is_1370(compression):
    # Fewer rows than a preview takes, so the preview needs the cut part.
    varied = b"a,b\n" + b"".join(b"%d,%d\n" % (i, i * 7919 % 10007) for i in range(60))
    packed = compress(varied, compression)
    with pytest.raises(UserError) as caught:
        run(packed[: len(packed) * 2 // 3], file_type="delimited", compression_type=compression)
    assert caught.value.code == "1370-400"


@pytest.mark.parametrize(
    ("compression", "named"),
    [
        ("gzip", "compressionType=gzip"),
        ("bzip2", "compressionType=bzip2"),
        ("zipDeflate", "compressionType=zipDeflate"),
        ("tar", "compressionType=tar"),
    ],
)
def test_compressed_file_declared_uncompressed_is_1370_with_a_hint(compression, named):
    with pytest.raises(UserError) as caught:
        run(compress(CSV, compression), file_type="delimited")
    assert caught.value.code == "1370-400"
    assert named in caught.value.message


def test_text_that_starts_like_a_zlib_header_still_reads_uncompressed():
    assert zlib.compress(b"x")[:1] == b"x"
    data = b"x^,y\n1,2\n"
    assert run(data, file_type="delimited")["data"] == [{"x^": 1, "y": 2}]
