"""The baselines of ``bench/ingest.py``, each in a process of its own (so its peak RSS is its own).

    python bench/_ingest_sides.py bare '{"endpoint": ..., "keys": [...], ...}'
    python bench/_ingest_sides.py dlt  '{...}'          # with a Python that has dlt installed

Prints one JSON line: ``{"seconds": …, "rows": …, "idle_rss_mib": …}`` (the RSS once everything is
imported and set up, just before the first read); the parent reads the peak RSS from ``wait4``.
Only the standard library, pyarrow and (for ``dlt``) dlt are imported, so the dlt side can run in
a virtual environment of its own.

- ``bare``: what a data engineer writes by hand: ``pyarrow.fs.S3FileSystem`` →
  ``open_input_stream`` (a ``.gz`` key inflated by its ``compression="detect"``) →
  ``pyarrow.csv.open_csv`` with the column types given → one ``pyarrow.parquet.ParquetWriter``.
- ``dlt``: dlt's filesystem source with its fastest CSV reader (``read_csv_duckdb`` yielding Arrow,
  large chunks) into the ``filesystem`` destination as local Parquet.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def bare(job: dict[str, Any]) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.fs as pa_fs
    import pyarrow.parquet as pq

    s3 = pa_fs.S3FileSystem(
        access_key=job["access_key"],
        secret_key=job["secret_key"],
        endpoint_override=job["endpoint"],
        scheme="http",
        region=job["region"],
    )
    types = {
        name: pa.timestamp("us", tz="UTC") if kind == "timestamp" else getattr(pa, kind)()
        for name, kind in job["types"].items()
    }
    schema = pa.schema([(name, types[name]) for name in job["types"]])
    idle = rss_mib()
    began = time.perf_counter()
    rows = 0
    with pq.ParquetWriter(job["out"], schema) as writer:
        for key in job["keys"]:
            # compression="detect" (the default) inflates a ``.gz`` key as it reads
            stream = s3.open_input_stream(f"{job['bucket']}/{key}", buffer_size=8 * 1024 * 1024)
            reader = pa_csv.open_csv(
                stream,
                read_options=pa_csv.ReadOptions(block_size=4 * 1024 * 1024),
                convert_options=pa_csv.ConvertOptions(column_types=types),
            )
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
            stream.close()
    return {"seconds": time.perf_counter() - began, "rows": rows, "idle_rss_mib": idle}


def dlt_side(job: dict[str, Any]) -> dict[str, Any]:
    import dlt
    from dlt.common.configuration.specs import AwsCredentials
    from dlt.sources.filesystem import filesystem, read_csv_duckdb

    credentials = AwsCredentials(
        aws_access_key_id=job["access_key"],
        aws_secret_access_key=job["secret_key"],
        endpoint_url=job["endpoint_url"],
        region_name=job["region"],
    )
    source = filesystem(
        bucket_url=f"s3://{job['bucket']}/{job['folder']}",
        file_glob=job["glob"],
        credentials=credentials,
    ) | read_csv_duckdb(chunk_size=256 * 1024, use_pyarrow=True)
    pipeline = dlt.pipeline(
        pipeline_name="bench_ingest",
        pipelines_dir=job["work"],
        destination=dlt.destinations.filesystem(bucket_url=f"file://{job['out']}"),
        dataset_name="bench",
        progress=None,
    )
    idle = rss_mib()
    began = time.perf_counter()
    info = pipeline.run(source.with_name("rows"), loader_file_format="parquet")
    seconds = time.perf_counter() - began
    info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts.get("rows", 0)
    return {"seconds": seconds, "rows": rows, "idle_rss_mib": idle}


if __name__ == "__main__":
    side, job = sys.argv[1], json.loads(sys.argv[2])
    result = bare(job) if side == "bare" else dlt_side(job)
    print(json.dumps(result), flush=True)
