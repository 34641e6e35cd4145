import random

import pyarrow as pa
import pytest

from flowservice.errors import FlowServiceError, SourceUserError, TransientError, UserError
from flowservice.preview import PreviewOptions, preview
from tests.preview.fakes import MemorySource
from tests.preview.samples import CSV, JSONL, compress, parquet_bytes

_OPTIONS = [
    PreviewOptions(determine_properties=True),
    PreviewOptions(file_type="delimited"),
    PreviewOptions(file_type="json"),
    PreviewOptions(file_type="parquet"),
    *(
        PreviewOptions(file_type=file_type, compression_type=compression)  # type: ignore[arg-type]
        for file_type in ("delimited", "json")
        for compression in ("gzip", "bzip2", "deflate", "zipDeflate", "tar", "tarGzip")
    ),
]


@pytest.mark.parametrize(
    "error",
    [
        SourceUserError("1500-403", "Access denied to the bucket."),
        TransientError("1503-503", "S3 is slow down."),
        ConnectionResetError("peer reset"),
        RuntimeError("a driver bug"),
    ],
    ids=["source-user-error", "transient", "oserror", "driver-bug"],
)
@pytest.mark.parametrize("options", _OPTIONS[:4], ids=["detect", "delimited", "json", "parquet"])
def test_driver_failures_pass_through_untouched(error, options):
    source = MemorySource(CSV, fail_with=error)
    with pytest.raises(type(error)) as caught:
        preview(source, options)
    assert caught.value is error


def test_driver_failure_inside_pyarrow_reads_passes_through_untouched():
    # Big enough that pyarrow's reads need fetches beyond the envelope check's two.
    data = parquet_bytes(pa.table({"n": list(range(200_000))}), compression="none")
    error = TransientError("1503-503", "S3 is slow down.")

    class FailsAfterFooter(MemorySource):
        def read_range(self, start: int, length: int) -> bytes:
            if len(self.ranges) >= 2:
                raise error
            return super().read_range(start, length)

    with pytest.raises(TransientError) as caught:
        preview(FailsAfterFooter(data), PreviewOptions(file_type="parquet"))
    assert caught.value is error


def _mutations(data: bytes, rng: random.Random) -> list[bytes]:
    cut = data[: rng.randrange(len(data))]
    flipped = bytearray(data)
    for _ in range(8):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    return [cut, bytes(flipped), rng.randbytes(rng.randrange(1, 3000))]


def _corpus() -> list[bytes]:
    rng = random.Random(20240611)
    originals = [
        compress(body, packing)
        for body in (CSV, JSONL)
        for packing in (
            "none",
            "gzip",
            "bzip2",
            "deflate",
            "rawDeflate",
            "zipDeflate",
            "tar",
            "tarGzip",
        )
    ]
    originals.append(parquet_bytes(pa.table({"n": list(range(300)), "s": ["x"] * 300})))
    return [mutant for data in originals for _ in range(6) for mutant in _mutations(data, rng)]


def test_corrupted_files_only_ever_raise_user_errors_with_137x_codes():
    codes: list[str] = []
    previews = 0
    for data in _corpus():
        for options in _OPTIONS:
            try:
                document = preview(MemorySource(data), options)
            except UserError as error:
                codes.append(error.code)
            else:
                assert set(document) >= {"format", "schema", "data"}
                previews += 1
    assert set(codes) <= {f"137{i}-400" for i in range(6)}
    assert {"1370-400", "1372-400", "1375-400"} <= set(codes)
    assert previews > 0


def test_every_user_error_is_a_flow_service_error_with_a_400_status():
    with pytest.raises(FlowServiceError) as caught:
        preview(MemorySource(b"\xff\xfe\xfa"), PreviewOptions(file_type="parquet"))
    assert isinstance(caught.value, UserError)
    assert caught.value.status == 400
