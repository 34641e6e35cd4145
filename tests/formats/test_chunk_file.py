"""ChunkFile: pyarrow's streaming CSV reader over decompressed chunks, a bounded read at a time."""

from __future__ import annotations

import gzip
import io

import pyarrow as pa
import pyarrow.csv as pcsv

from flowservice.formats.decompress import decompress
from flowservice.formats.stream import ChunkFile, StreamState


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_pyarrow_streams_csv_from_gzip_chunks_and_reports_bad_rows() -> None:
    rows = b"".join(b"%d,name-%d\n" % (i, i) for i in range(20_000))
    data = gzip.compress(b"\xef\xbb\xbfid,name\n" + rows + b"7,too,many\n")
    bad: list[str] = []

    def skip(row: pcsv.InvalidRow) -> str:
        bad.append(row.text)
        return "skip"

    file = ChunkFile(decompress(iter(_chunks(data, 4096)), "gzip", StreamState()))
    reader = pcsv.open_csv(
        io.BufferedReader(file, 64 * 1024),
        read_options=pcsv.ReadOptions(block_size=64 * 1024),
        parse_options=pcsv.ParseOptions(invalid_row_handler=skip),
        convert_options=pcsv.ConvertOptions(column_types={"id": pa.string(), "name": pa.string()}),
    )
    batches = list(reader)
    assert len(batches) > 1  # streamed in blocks, not read whole
    table = pa.Table.from_batches(batches)
    assert table.column_names == ["id", "name"]  # the BOM is not part of the first name
    assert table.num_rows == 20_000
    assert table.column("name")[19_999].as_py() == "name-19999"
    assert bad == ["7,too,many"]
    assert file.bytes_read == len(b"\xef\xbb\xbfid,name\n" + rows + b"7,too,many\n")


def test_reads_end_cleanly_and_close_releases_the_stream() -> None:
    closed: list[bool] = []

    def chunks() -> object:
        try:
            yield b"abc"
            yield b"def"
        finally:
            closed.append(True)

    file = ChunkFile(chunks())  # type: ignore[arg-type]
    buffer = bytearray(4)
    assert file.readinto(buffer) == 3
    assert file.read() == b"def"
    assert file.read() == b""
    file.close()
    assert closed == [True]
