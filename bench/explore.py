"""Explore and preview benchmark: flowservice against the raw S3 calls it stands in for.

One run, against ``rclone serve s3`` over a local directory (started by the script on a free
loopback port), measures three things and prints both sides and their ratio:

1. listing a folder of ``--keys`` keys (default 100,000) through ``GET /connections/{id}/explore``
   (``objectType=folder``, ``limit=1000``, every page, following ``x-continuation-token``)
   against boto3 ``list_objects_v2`` pagination (``Delimiter='/'``, ``MaxKeys=1000``) of the same
   prefix. The two listings walk in lockstep, page by page, alternating which side goes first,
   so a change in the machine's load hits both; a listing's time is the sum of its pages;
2. a preview of the first 100 rows of a ``--size-gib`` CSV file, plain and gzip, against one
   ranged GET of the file's first MiB, and the same previews of a ``--small-mib`` file (size
   independence). Bytes read come from the S3 driver and the preview engine called in-process
   (``ByteSource.bytes_read``), which is timed too;
3. a preview of a ``--size-gib`` Parquet file (128 MiB row groups) against reading its footer
   with ``pyarrow.parquet.read_metadata`` over ``pyarrow.fs.S3FileSystem``, and against pyarrow
   reading the first 100 rows itself over the same file system (what the engine asks of pyarrow,
   over pyarrow's own S3 client).

Preview runs are shuffled rounds: every file and every side once per round, in a new order each
round, so a burst of load from elsewhere spreads over all of them.

The service runs as ``make run`` runs it (``flowservice serve`` in a subprocess, default
production settings, SQLite in its own temporary ``FLOWSERVICE_HOME``) with
``FLOWSERVICE_ALLOWED_ENDPOINTS=127.0.0.1/32`` so it may reach the local S3 server.

    .venv/bin/python bench/explore.py [--keys 100000] [--size-gib 1] [--repeat 20]
        [--list-repeat 3] [--keep-data] [--json results.json] [--profile DIR]

Generated data goes to a temporary directory, or to ``bench/.data/explore`` (git-ignored) with
``--keep-data``, where a later run reuses what matches its options. Everything the script starts
(rclone, the service, gzip, py-spy) is stopped on exit, Ctrl-C included. See
docs/benchmarks.md for results and how to read them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pyarrow import fs as pa_fs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import (
    LOOPBACK,
    dump_json,
    machine_summary,
    markdown_table,
    note,
    profiling,
    stop_on_signals,
)
from _stack import (
    ACCESS_KEY,
    AUTH_SPEC,
    BUCKET,
    REGION,
    S3,
    SECRET_KEY,
    GzipSink,
    connection_params,
    create_connection,
    deploy,
    production_env,
    start_rclone,
)

FOLDER = "folder/"  # the many keys
FILES = "files/"  # the big and small files
KEY_BODY = b"id,name\n1,x\n"
PAGE = 1000
MIB = 1024 * 1024
GIB = 1024 * MIB
ROW_GROUP_BYTES = 128 * MIB
HEAD_BYTES = MIB  # the raw ranged GET the CSV previews are compared with
DATA_DIR = Path(__file__).resolve().parent / ".data" / "explore"
DATA_VERSION = 1
MAX_ROWS = 100


# -- statistics and rows -------------------------------------------------------------------------


@dataclass
class Samples:
    """Durations in seconds."""

    values: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.values.append(seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile (the maximum for fewer than 20 samples)."""
        if not self.values:
            return math.nan
        ordered = sorted(self.values)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Row:
    name: str
    service: Samples
    baseline_name: str
    baseline: Samples
    unit: str  # "s" or "ms"
    aim: float | None = None  # the largest acceptable service/baseline ratio of medians
    in_process: Samples | None = None
    bytes_read: int | None = None

    @property
    def ratio(self) -> float:
        return self.service.median / self.baseline.median if self.baseline.median else math.nan


@dataclass
class Measured:
    rows: list[Row] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # verdicts and notes, after the table
    verdicts: dict[str, bool] = field(default_factory=dict)


# -- command line --------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--keys", type=int, default=100_000, help="Keys in the listed folder (0: no listing).")
    add("--size-gib", type=float, default=1.0, help="Size of the big CSV and Parquet files.")
    add("--small-mib", type=float, default=10.0, help="Size of the small CSV files.")
    add("--repeat", type=int, default=20, help="Timed runs of each preview (default 20).")
    add("--list-repeat", type=int, default=3,
        help="Timed full listings of the folder, each side (default 3).")  # fmt: skip
    add("--warmup", type=int, default=2, help="Untimed runs before each preview (default 2).")
    add("--keep-data", action="store_true",
        help=f"Keep generated data in {DATA_DIR} and reuse what matches.")  # fmt: skip
    add("--data-dir", type=Path, help="Where --keep-data keeps the data.")
    add("--json", metavar="PATH", help="Also write the results as JSON ('-' for stdout).")
    add("--profile", metavar="DIR", help="Record py-spy profiles of the service (skews numbers).")
    args = parser.parse_args(argv)
    if args.keys < 0 or args.size_gib <= 0 or args.small_mib <= 0:
        parser.error("--keys must be >= 0, --size-gib and --small-mib > 0")
    if args.repeat < 1 or args.list_repeat < 1 or args.warmup < 0:
        parser.error("--repeat and --list-repeat must be >= 1, --warmup >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    production_env()
    began = time.monotonic()
    load_before = os.getloadavg()
    try:
        with contextlib.ExitStack() as stack:
            measured, setup = run(args, stack)
    except KeyboardInterrupt:
        note("Interrupted; everything started was stopped.")
        return 130
    elapsed = time.monotonic() - began
    report(measured, setup, args, elapsed, load_before)
    return 0


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Setup:
    """What the run measured against, for the report."""

    service: str = ""
    s3: str = ""
    data: list[str] = field(default_factory=list)
    generated_seconds: float = 0.0


def run(args: argparse.Namespace, stack: contextlib.ExitStack) -> tuple[Measured, Setup]:
    setup = Setup()
    if args.keep_data:
        root = (args.data_dir or DATA_DIR).resolve()
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="explore-bench-")))
    work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="explore-bench-run-")))
    started = time.monotonic()
    data = prepare_data(root, args, stack)
    setup.generated_seconds = time.monotonic() - started
    setup.data = data.describe()
    s3 = start_rclone(root / "s3", work, stack)
    setup.s3 = s3.describe()
    service = deploy(work / "home", stack)
    setup.service = (
        f"`flowservice serve` in a subprocess (pid {service.pid}): one uvicorn worker, SQLite, "
        "default production settings (access log on, to a file), "
        "FLOWSERVICE_ALLOWED_ENDPOINTS=127.0.0.1/32."
    )
    api = stack.enter_context(
        httpx.Client(base_url=service.api_url, headers=service.headers, timeout=120)
    )
    connection_id = create_connection(api, s3)
    raw = s3.client()
    measured = Measured()
    if args.keys:
        with profiling(args.profile, service.pid, "explore-listing.txt"):
            bench_listing(api, connection_id, raw, args, measured)
    with profiling(args.profile, service.pid, "explore-previews.txt"):
        bench_previews(api, connection_id, s3, data, args, measured, work)
    return measured, setup


# -- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    keys: int
    big_csv: Path
    big_gzip: Path
    small_csv: Path
    small_gzip: Path
    parquet: Path
    s3_root: Path

    def key(self, path: Path) -> str:
        """The S3 key of a file under the served directory's bucket."""
        return path.relative_to(self.s3_root / BUCKET).as_posix()

    def describe(self) -> list[str]:
        lines = [f"{self.keys:,} keys of {len(KEY_BODY)} bytes in `{BUCKET}/{FOLDER}`"]
        if not self.keys:
            lines = ["no listing (--keys 0)"]
        for path in (self.big_csv, self.big_gzip, self.small_csv, self.small_gzip, self.parquet):
            lines.append(f"`{self.key(path)}`: {human_bytes(path.stat().st_size)}")
        rows = pq.ParquetFile(self.parquet).metadata
        lines.append(f"Parquet: {rows.num_rows:,} rows in {rows.num_row_groups} row groups, snappy")
        return lines


class Manifest:
    """What --keep-data holds: each artifact with the options it was made with."""

    def __init__(self, root: Path) -> None:
        self.path = root / "manifest.json"
        try:
            self.entries: dict[str, Any] = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.entries = {}

    def fresh(self, name: str, spec: dict[str, Any], *paths: Path) -> bool:
        return self.entries.get(name) == spec and all(p.exists() for p in paths)

    def forget(self, name: str) -> None:
        self.entries.pop(name, None)
        self._save()

    def record(self, name: str, spec: dict[str, Any]) -> None:
        self.entries[name] = spec
        self._save()

    def _save(self) -> None:
        self.path.write_text(json.dumps(self.entries, indent=2) + "\n")


def prepare_data(root: Path, args: argparse.Namespace, stack: contextlib.ExitStack) -> Dataset:
    s3_root = root / "s3"
    files = s3_root / BUCKET / FILES
    files.mkdir(parents=True, exist_ok=True)
    big, small = round(args.size_gib * GIB), round(args.small_mib * MIB)
    data = Dataset(
        keys=args.keys,
        big_csv=files / f"big-{label_gib(args.size_gib)}.csv",
        big_gzip=files / f"big-{label_gib(args.size_gib)}.csv.gz",
        small_csv=files / f"small-{label_mib(args.small_mib)}.csv",
        small_gzip=files / f"small-{label_mib(args.small_mib)}.csv.gz",
        parquet=files / f"big-{label_gib(args.size_gib)}.parquet",
        s3_root=s3_root,
    )
    manifest = Manifest(root)
    made = {
        "keys": ({"v": DATA_VERSION, "keys": args.keys}, (), lambda: seed_keys(data, args.keys)),
        "big_csv": (
            {"v": DATA_VERSION, "bytes": big, "name": data.big_csv.name},
            (data.big_csv, data.big_gzip),
            lambda: write_csv(data.big_csv, data.big_gzip, big, stack),
        ),
        "small_csv": (
            {"v": DATA_VERSION, "bytes": small, "name": data.small_csv.name},
            (data.small_csv, data.small_gzip),
            lambda: write_csv(data.small_csv, data.small_gzip, small, stack),
        ),
        "parquet": (
            {"v": DATA_VERSION, "bytes": big, "name": data.parquet.name},
            (data.parquet,),
            lambda: write_parquet(data.parquet, big),
        ),
    }
    if not args.keys:
        del made["keys"]  # no listing: leave whatever folder of keys is there alone
    for name, (spec, paths, make) in made.items():
        if manifest.fresh(name, spec, *paths):
            note(f"Reusing {name} from {root}")
            continue
        manifest.forget(name)
        began = time.monotonic()
        make()
        manifest.record(name, spec)
        note(f"Generated {name} in {time.monotonic() - began:.1f} s")
    return data


def seed_keys(data: Dataset, count: int) -> None:
    """Files written straight into the served directory: far faster than ``count`` PUTs."""
    folder = data.s3_root / BUCKET / FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    if count == 0:
        return
    note(f"Writing {count:,} keys into {folder}")
    folder.mkdir(parents=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    for i in range(1, count + 1):
        fd = os.open(folder / f"key-{i:06d}.csv", flags, 0o644)
        try:
            os.write(fd, KEY_BODY)
        finally:
            os.close(fd)


FIRST_NAMES = (
    "Ana", "Ben", "Chloé", "Dmitri", "Eve", "Farah", "Gustav", "Hana", "Ivan", "Jonas", "Kemi",
    "Lena", "Mateo", "Nia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Wei",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "García", "Nguyen", "Okafor", "Rossi", "Kowalski", "Tanaka", "Silva", "Müller",
    "Haddad", "O'Brien", "Johansson", "Petrov", "Dubois", "Khan", "Lee",
)  # fmt: skip
BATCH_ROWS = 1_000_000
EPOCH_2020 = 18262  # days from 1970-01-01 to 2020-01-01


class RowMaker:
    """Batches of realistic rows: id, name, amount, date, flag (vectorised, no numpy)."""

    SCHEMA = pa.schema(
        [
            ("id", pa.int64()),
            ("name", pa.string()),
            ("amount", pa.float64()),
            ("date", pa.date32()),
            ("flag", pa.bool_()),
        ]
    )

    def __init__(self) -> None:
        self.names = pa.array([f"{a} {b}" for a in FIRST_NAMES for b in LAST_NAMES])
        self.offsets = pa.array(range(BATCH_ROWS), pa.int64())
        self.next_id = 1

    def table(self, rows: int = BATCH_ROWS) -> pa.Table:
        rows = min(rows, BATCH_ROWS)
        ids = pc.add(self.offsets.slice(0, rows), self.next_id)
        self.next_id += rows

        def pick(n: int) -> pa.Array:
            return pc.cast(pc.floor(pc.multiply(pc.random(rows), n)), pa.int32())

        days = pc.add(pick(5 * 365), pa.scalar(EPOCH_2020, pa.int32()))
        return pa.table(
            {
                "id": ids,
                "name": pc.take(self.names, pick(len(self.names))),
                "amount": pc.round(pc.multiply(pc.random(rows), 10_000), 2),
                "date": pc.cast(days, pa.date32()),
                "flag": pc.less(pc.random(rows), 0.5),
            },
            schema=self.SCHEMA,
        )


def write_csv(path: Path, gzip_path: Path, size: int, stack: contextlib.ExitStack) -> None:
    """A CSV of ``size`` bytes (cut at a line end) and its gzip, streamed batch by batch."""
    note(f"Writing {path.name} ({human_bytes(size)}) and {gzip_path.name}")
    maker = RowMaker()
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    gzip = GzipSink(gzip_path, stack)
    written = 0
    with path.open("wb") as out:

        def emit(chunk: bytes) -> None:
            out.write(chunk)
            gzip.write(chunk)

        header = b"id,name,amount,date,flag\n"
        emit(header)
        written = len(header)
        while written < size:
            sink = pa.BufferOutputStream()
            pa_csv.write_csv(maker.table(), sink, options)
            chunk = sink.getvalue().to_pybytes()
            if written + len(chunk) > size:
                chunk = chunk[: chunk.rfind(b"\n", 0, size - written) + 1]
                emit(chunk)
                break
            emit(chunk)
            written += len(chunk)
    gzip.close()


def write_parquet(path: Path, size: int) -> None:
    """A Parquet file of about ``size`` bytes in row groups of about 128 MiB, snappy."""
    note(f"Writing {path.name} ({human_bytes(size)}, {human_bytes(ROW_GROUP_BYTES)} row groups)")
    maker = RowMaker()
    group_bytes = min(ROW_GROUP_BYTES, size)
    rows_per_group = 2 * BATCH_ROWS  # a first guess; corrected after the first group
    sink = pa.OSFile(str(path), "wb")
    try:
        writer = pq.ParquetWriter(sink, RowMaker.SCHEMA, compression="snappy")
        try:
            while size - sink.tell() > group_bytes // 16:
                wanted = min(group_bytes, size - sink.tell())
                rows = max(1, rows_per_group * wanted // group_bytes)
                before = sink.tell()
                batches = []
                while rows > 0:
                    batches.append(maker.table(min(rows, BATCH_ROWS)))
                    rows -= batches[-1].num_rows
                table = pa.concat_tables(batches)
                writer.write_table(table, row_group_size=table.num_rows)
                grown = max(1, sink.tell() - before)
                rows_per_group = max(1, table.num_rows * group_bytes // grown)
        finally:
            writer.close()
    finally:
        sink.close()


def label_gib(size: float) -> str:
    return f"{size:g}gib".replace(".", "_")


def label_mib(size: float) -> str:
    return f"{size:g}mib".replace(".", "_")


def human_bytes(n: float) -> str:
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", 1024)):
        if n >= scale:
            return f"{n / scale:,.2f} {unit}"
    return f"{n:,.0f} B"


# -- the S3 server -------------------------------------------------------------------------------


# -- 1. listing ----------------------------------------------------------------------------------

PageTimes = Iterator[tuple[float, int]]  # (seconds, entries) per page


def service_pages(api: httpx.Client, connection_id: str) -> PageTimes:
    url = f"/connections/{connection_id}/explore"
    params = {"objectType": "folder", "object": f"/{BUCKET}/{FOLDER}", "limit": str(PAGE)}
    while True:
        began = time.perf_counter()
        response = api.get(url, params=params)
        entries = response.json()
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"explore folder: {response.status_code} {response.text[:300]}")
        yield elapsed, len(entries)
        token = response.headers.get("x-continuation-token")
        if not token:
            return
        params["continuationToken"] = token


def boto_pages(raw: Any) -> PageTimes:
    kwargs: dict[str, Any] = {
        "Bucket": BUCKET,
        "Prefix": FOLDER,
        "Delimiter": "/",
        "MaxKeys": PAGE,
    }
    while True:
        began = time.perf_counter()
        response = raw.list_objects_v2(**kwargs)
        elapsed = time.perf_counter() - began
        yield elapsed, len(response.get("Contents", [])) + len(response.get("CommonPrefixes", []))
        if not response.get("IsTruncated"):
            return
        kwargs["ContinuationToken"] = response["NextContinuationToken"]


def lockstep(sides: Sequence[PageTimes]) -> list[tuple[list[float], int]]:
    """Run the page iterators one page each in turn, alternating who goes first."""
    times: list[list[float]] = [[] for _ in sides]
    counts = [0] * len(sides)
    live = list(range(len(sides)))
    turn = 0
    while live:
        order = live if turn % 2 == 0 else live[::-1]
        for i in list(order):
            try:
                seconds, entries = next(sides[i])
            except StopIteration:
                live.remove(i)
                continue
            times[i].append(seconds)
            counts[i] += entries
        turn += 1
    return list(zip(times, counts, strict=True))


def bench_listing(
    api: httpx.Client, connection_id: str, raw: Any, args: argparse.Namespace, out: Measured
) -> None:
    keys = args.keys
    pages = math.ceil(keys / PAGE)
    note(f"Listing {keys:,} keys, {args.list_repeat} times each side (warm-up: one page each)")
    next(service_pages(api, connection_id))
    next(boto_pages(raw))
    service, baseline = Samples(), Samples()
    service_page, baseline_page = Samples(), Samples()
    paired: list[float] = []
    for rep in range(args.list_repeat):
        began = time.monotonic()
        (s_times, s_count), (b_times, b_count) = lockstep(
            [service_pages(api, connection_id), boto_pages(raw)]
        )
        if b_count != keys or s_count != keys:
            raise RuntimeError(
                f"Listing count mismatch: expected {keys:,}, boto3 saw {b_count:,}, "
                f"flowservice {s_count:,}"
            )
        service.add(sum(s_times))
        baseline.add(sum(b_times))
        service_page.values += s_times
        baseline_page.values += b_times
        paired += [s - b for s, b in zip(s_times, b_times, strict=False)]
        note(
            f"  listing {rep + 1}/{args.list_repeat}: flowservice {sum(s_times):.1f} s, boto3 "
            f"{sum(b_times):.1f} s, {len(s_times)} pages, {s_count:,} keys on both sides "
            f"({time.monotonic() - began:.0f} s)"
        )
    name = f"list a folder of {keys:,} keys ({pages} pages of {PAGE})"
    row = Row(name, service, "boto3 `list_objects_v2` pages", baseline, "s", aim=1.3)
    out.rows.append(row)
    out.rows.append(
        Row("one listing page (1,000 keys)", service_page, "one `list_objects_v2` call",
            baseline_page, "ms")
    )  # fmt: skip
    added = statistics.median(paired) * 1000
    out.lines.append(
        f"Listing: {row.ratio:.2f}x boto3 (aim <= 1.3x): "
        f"{verdict(out, 'listing', row.ratio <= 1.3)}. Counted {keys:,} keys on both sides in "
        f"every run. flowservice adds {added:.1f} ms per page (median of the paired "
        f"differences), on top of {baseline_page.median * 1000:.0f} ms for the S3 call itself."
    )


# -- 2 and 3. previews ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    name: str
    run: Callable[[], None]
    aim: float | None = None


@dataclass
class Case:
    name: str
    path: Path
    query: dict[str, str]
    baselines: list[Baseline]
    service: Samples = field(default_factory=Samples)
    in_process: Samples = field(default_factory=Samples)
    baseline_samples: list[Samples] = field(default_factory=list)
    bytes_read: list[int] = field(default_factory=list)


class Previewer:
    """The three ways to get at a file's first rows: the service over HTTP, the S3 driver and
    preview engine in this process, and the raw S3 reads the baselines make."""

    def __init__(
        self, api: httpx.Client, connection_id: str, s3: S3, data: Dataset, work: Path
    ) -> None:
        from flowservice.drivers.s3 import S3Driver
        from flowservice.settings import Settings

        self.api, self.data = api, data
        self.url = f"/connections/{connection_id}/explore"
        settings = Settings(home=work / "in-process", allowed_endpoints=(f"{LOOPBACK}/32",))
        self.driver = S3Driver(settings)
        self.params = connection_params(s3)
        self.raw = s3.client()
        self.arrow = pa_fs.S3FileSystem(
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            endpoint_override=f"{LOOPBACK}:{s3.port}",
            scheme="http",
            region=REGION,
            force_virtual_addressing=False,
        )

    def path(self, case: Case) -> str:
        return f"/{BUCKET}/{self.data.key(case.path)}"

    def over_http(self, case: Case) -> None:
        query = {"objectType": "file", "object": self.path(case), "preview": "true", **case.query}
        response = self.api.get(self.url, params=query)
        if response.status_code != 200:
            raise RuntimeError(f"preview: {response.status_code} {response.text[:300]}")
        if len(response.json()["data"]) != MAX_ROWS:
            raise RuntimeError(f"The preview of {case.name} did not return {MAX_ROWS} rows")

    def in_process(self, case: Case) -> None:
        from flowservice.preview import PreviewOptions, preview

        source = self.driver.open_file(AUTH_SPEC, self.params, self.path(case))
        document = preview(source, PreviewOptions.from_query(case.query))
        if len(document["data"]) != MAX_ROWS:
            raise RuntimeError(f"The in-process preview of {case.name} missed rows")
        case.bytes_read.append(source.bytes_read)

    def first_mib(self, path: Path) -> Baseline:
        key = self.data.key(path)
        expected = min(HEAD_BYTES, path.stat().st_size)

        def get() -> None:
            body = self.raw.get_object(Bucket=BUCKET, Key=key, Range=f"bytes=0-{HEAD_BYTES - 1}")
            if len(body["Body"].read()) != expected:
                raise RuntimeError(f"Short ranged GET of {key}")

        return Baseline("one ranged GET of the first MiB (boto3)", get, 3.0)

    def parquet_footer(self, path: Path) -> Baseline:
        where = f"{BUCKET}/{self.data.key(path)}"
        groups = pq.ParquetFile(path).metadata.num_row_groups

        def footer() -> None:
            if pq.read_metadata(where, filesystem=self.arrow).num_row_groups != groups:
                raise RuntimeError("pyarrow read a different footer")

        return Baseline("pyarrow `read_metadata` over S3FileSystem (footer)", footer)

    def parquet_rows(self, path: Path) -> Baseline:
        where = f"{BUCKET}/{self.data.key(path)}"

        def rows() -> None:
            # What the engine asks of pyarrow, but over pyarrow's own S3 client.
            file = pq.ParquetFile(
                where, filesystem=self.arrow, pre_buffer=False, buffer_size=64 * 1024
            )
            with contextlib.closing(file):
                batch = next(file.iter_batches(batch_size=MAX_ROWS, use_threads=False))
            if batch.num_rows != MAX_ROWS:
                raise RuntimeError("pyarrow read fewer rows")

        return Baseline("pyarrow first 100 rows over S3FileSystem (`pre_buffer=False`)", rows)


def bench_previews(
    api: httpx.Client,
    connection_id: str,
    s3: S3,
    data: Dataset,
    args: argparse.Namespace,
    out: Measured,
    work: Path,
) -> None:
    """Every case and side in one shuffled round per repetition, so that a burst of load from
    elsewhere on the machine spreads over all of them instead of skewing one."""
    p = Previewer(api, connection_id, s3, data, work)
    big, small = f"{args.size_gib:g} GiB", f"{args.small_mib:g} MiB"
    plain = {"fileType": "delimited"}
    gzip = {"fileType": "delimited", "compressionType": "gzip"}
    cases = [
        Case(f"preview {big} CSV", data.big_csv, plain, [p.first_mib(data.big_csv)]),
        Case(f"preview {big} CSV, gzip", data.big_gzip, gzip, [p.first_mib(data.big_gzip)]),
        Case(f"preview {small} CSV", data.small_csv, plain, [p.first_mib(data.small_csv)]),
        Case(f"preview {small} CSV, gzip", data.small_gzip, gzip, [p.first_mib(data.small_gzip)]),
        Case(
            f"preview {big} Parquet",
            data.parquet,
            {"fileType": "parquet"},
            [p.parquet_footer(data.parquet), p.parquet_rows(data.parquet)],
        ),
    ]
    calls: list[tuple[Samples, Callable[[], None]]] = []
    for case in cases:
        case.baseline_samples = [Samples() for _ in case.baselines]
        calls.append((case.service, functools.partial(p.over_http, case)))
        calls.append((case.in_process, functools.partial(p.in_process, case)))
        calls += [(s, b.run) for s, b in zip(case.baseline_samples, case.baselines, strict=True)]
    note(f"Previews: {len(cases)} files, {len(calls)} ways, {args.repeat} shuffled rounds")
    for _ in range(args.warmup):
        for _samples, call in calls:
            call()
    for rep in range(args.repeat):
        order = list(calls)
        random.Random(rep).shuffle(order)
        for samples, call in order:
            began = time.perf_counter()
            call()
            samples.add(time.perf_counter() - began)
    for case in cases:
        for baseline, samples in zip(case.baselines, case.baseline_samples, strict=True):
            out.rows.append(
                Row(case.name, case.service, baseline.name, samples, "ms", baseline.aim,
                    case.in_process, max(case.bytes_read))
            )  # fmt: skip
    preview_verdicts(out, big, small)


def preview_verdicts(out: Measured, big: str, small: str) -> None:
    rows = {row.name: row for row in out.rows}
    for row in out.rows:
        if row.aim is not None and row.unit == "ms":
            ok = row.ratio <= row.aim
            out.lines.append(
                f"{row.name}: {row.ratio:.2f}x the {row.baseline_name} (aim <= {row.aim:g}x): "
                f"{verdict(out, row.name, ok)}; {human_bytes(row.bytes_read or 0)} read."
            )
    for kind in ("CSV", "CSV, gzip"):
        large, little = rows.get(f"preview {big} {kind}"), rows.get(f"preview {small} {kind}")
        if large is None or little is None:
            continue
        change = large.service.median / little.service.median - 1
        ok = abs(change) <= 0.2
        engine = (
            large.in_process.median / little.in_process.median - 1
            if large.in_process and little.in_process
            else math.nan
        )
        out.lines.append(
            f"Size independence, {kind}: the {big} preview takes {change:+.0%} vs the {small} "
            f"one (aim within 20%): {verdict(out, 'size ' + kind, ok)}; in-process "
            f"{engine:+.0%}; bytes read {human_bytes(large.bytes_read or 0)} vs "
            f"{human_bytes(little.bytes_read or 0)}."
        )
    for row in out.rows:
        if row.name == f"preview {big} Parquet":
            out.lines.append(
                f"{row.name}: {row.ratio:.2f}x the {row.baseline_name} (no aim set); "
                f"{human_bytes(row.bytes_read or 0)} read."
            )


def verdict(out: Measured, name: str, ok: bool) -> str:
    out.verdicts[name] = ok
    return "met" if ok else "NOT met"


# -- profiling -----------------------------------------------------------------------------------


# -- reporting -----------------------------------------------------------------------------------

HEADERS = (
    "measurement", "flowservice median", "p95", "in-process median", "baseline",
    "baseline median", "p95", "ratio", "aim", "bytes read",
)  # fmt: skip


def duration(seconds: float, unit: str) -> str:
    if math.isnan(seconds):
        return "-"
    return f"{seconds:.2f} s" if unit == "s" else f"{seconds * 1000:.1f} ms"


def table_rows(rows: Sequence[Row]) -> list[list[str]]:
    return [
        [
            row.name,
            duration(row.service.median, row.unit),
            duration(row.service.p95, row.unit),
            duration(row.in_process.median, row.unit) if row.in_process else "-",
            row.baseline_name,
            duration(row.baseline.median, row.unit),
            duration(row.baseline.p95, row.unit),
            f"{row.ratio:.2f}x",
            f"<= {row.aim:g}x" if row.aim is not None else "-",
            human_bytes(row.bytes_read) if row.bytes_read is not None else "-",
        ]
        for row in rows
    ]


def report(
    measured: Measured,
    setup: Setup,
    args: argparse.Namespace,
    elapsed: float,
    load_before: tuple[float, float, float],
) -> None:
    load_after = os.getloadavg()
    print(
        f"Machine: {machine_summary()}; load average {load_before[0]:.2f} at the start, "
        f"{load_after[0]:.2f} at the end. Client, service and S3 server share the CPUs."
    )
    print(f"Service: {setup.service}")
    print(f"S3 server: {setup.s3}")
    print("Data: " + "; ".join(setup.data) + f" (ready in {setup.generated_seconds:.0f} s).")
    print(
        f"Runs: previews {args.repeat} timed runs per side after {args.warmup} warm-up runs, "
        "every file and side once per round in shuffled order; listing "
        f"{args.list_repeat} full listings per side, walked in lockstep page by page. p95 is "
        "nearest-rank (the maximum below 20 samples). Ratio = flowservice median / baseline "
        "median. In-process = S3Driver.open_file + preview() in the "
        "benchmark process, no HTTP."
    )
    print()
    print(markdown_table(HEADERS, table_rows(measured.rows)))
    print()
    for line in measured.lines:
        print(line)
    print(f"Total run time: {elapsed:.0f} s.")
    if args.json:
        write_json(measured, setup, args, elapsed)


def write_json(measured: Measured, setup: Setup, args: argparse.Namespace, elapsed: float) -> None:
    def stats(samples: Samples | None) -> dict[str, Any] | None:
        if samples is None:
            return None
        return {
            "median_s": samples.median,
            "p95_s": samples.p95,
            "runs": len(samples.values),
        }

    document = {
        "machine": machine_summary(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "service": setup.service,
        "s3": setup.s3,
        "data": setup.data,
        "elapsed_s": round(elapsed, 1),
        "rows": [
            {
                "name": row.name,
                "service": stats(row.service),
                "in_process": stats(row.in_process),
                "baseline": row.baseline_name,
                "baseline_stats": stats(row.baseline),
                "ratio": row.ratio,
                "aim": row.aim,
                "bytes_read": row.bytes_read,
            }
            for row in measured.rows
        ],
        "verdicts": measured.verdicts,
    }
    dump_json(document, args.json)


if __name__ == "__main__":
    sys.exit(main())
