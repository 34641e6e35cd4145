"""Ingestion benchmark: a flowservice run against a bare pyarrow pipeline and dlt, same S3 server.

One run, against ``rclone serve s3`` over a local directory (started by the script on a free
loopback port), ingests three sets of files, each by every side, and prints both sides, the ratio
and each side's peak RSS:

- ``big``: a ``--size-mib`` CSV (default 512) of 8 typed columns (id, name, amount, quantity,
  day, ts, flag, code);
- ``gzip``: the same file gzipped (``gzip -6``);
- ``small``: ``--small-files`` CSVs (default 2,000) of ``--small-kib`` each (default 64), one
  folder.

The sides:

- **flowservice**: ``flowservice serve`` as ``make run`` starts it (a subprocess, SQLite, the
  in-process worker, default settings), a fresh one for every measurement, so that no earlier
  run's memory hides in the next one's figures. It first ingests one small file (so what any run
  imports is loaded, as in a service that has run before), then the case through a new source
  connection, dataset (the 8 columns' inline schema), target and flow; the time is
  ``POST /runs`` → the run read back ``success``, polled every 20 ms, end to end. Peak RSS is the
  server process's ``VmHWM`` after the run, reset (``/proc/PID/clear_refs``) just before it;
  "before" is its RSS at that moment, and the run's own memory the difference.
- **bare pyarrow**: ``bench/_ingest_sides.py bare`` in a new process: ``pyarrow.fs.S3FileSystem``
  → streaming ``pyarrow.csv.open_csv`` with the column types given → one Parquet file. What a data
  engineer writes by hand, without row errors, ledger, exactly-once or metadata. Peak RSS from
  ``wait4``; "before" is its RSS once pyarrow is imported and the file system made.
- **dlt** (when a Python with ``dlt`` is found: ``--dlt-python``, default ``bench/.venv-dlt``,
  which ``make bench-dlt`` creates): dlt's filesystem source with ``read_csv_duckdb`` (Arrow,
  256 Ki-row chunks) into the ``filesystem`` destination as local Parquet, in a new process.

dlt takes part in the first ``--dlt-rounds`` rounds only (default 1: it is several times slower,
so one round shows where it stands). Rounds (``--rounds``, default 2) visit the cases in a new
order each time and the sides in a new order per case, so a burst of load from elsewhere spreads
over all of them; the table shows the median per side and the ratio of medians (bare time ÷ side
time: 1.0 is as fast as bare pyarrow). Each side's row count is checked against the rows
generated; a mismatch stops the run.

With ``--flat-gib`` (default 2; 0 skips it) one more CSV of that size goes through flowservice and
bare pyarrow once, to show whether peak RSS grows with the file.

    .venv/bin/python bench/ingest.py [--size-mib 512] [--small-files 2000] [--small-kib 64]
        [--flat-gib 2] [--rounds 2] [--cases big,gzip,small,flat] [--dlt-python PATH]
        [--dlt-rounds 1]
        [--keep-data] [--json results.json] [--profile DIR]

Generated data goes to a temporary directory, or with ``--keep-data`` to ``bench/.data/ingest``
(git-ignored), where a later run reuses what matches its options. Everything the script starts is
stopped on exit, Ctrl-C included. Results and how to read them: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import dump_json, machine_summary, markdown_table, note, profiling, stop_on_signals
from _stack import (
    ACCESS_KEY,
    BUCKET,
    REGION,
    S3,
    S3_SPEC_ID,
    SECRET_KEY,
    GzipSink,
    Service,
    create_connection,
    deploy,
    production_env,
    start_rclone,
)

HERE = Path(__file__).resolve().parent
SIDES_SCRIPT = HERE / "_ingest_sides.py"
DATA_DIR = HERE / ".data" / "ingest"
DLT_VENV_PYTHON = HERE / ".venv-dlt" / "bin" / "python"
DATA_VERSION = 1
MIB = 1024 * 1024
BATCH_ROWS = 64 * 1024
DATALAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FLOW_SPEC_ID = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
COLUMNS = {  # name: (dataset type, pyarrow type name for the bare side)
    "id": ("long", "int64"),
    "name": ("string", "string"),
    "amount": ("double", "float64"),
    "quantity": ("long", "int64"),
    "day": ("date", "date32"),
    "ts": ("timestamp", "timestamp"),
    "flag": ("boolean", "bool_"),
    "code": ("string", "string"),
}
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson"]
EPOCH_2020_DAYS = 18262
EPOCH_2020_S = EPOCH_2020_DAYS * 86400
SIDES = ("flowservice", "bare pyarrow", "dlt")


# -- data ----------------------------------------------------------------------------------------


class RowMaker:
    """Batches of the 8 columns, vectorised."""

    def __init__(self) -> None:
        self.names = pa.array([f"{a} {b}" for a in FIRST for b in LAST])
        self.codes = pa.array([f"SKU-{n:05d}" for n in range(1000)])
        self.offsets = pa.array(range(BATCH_ROWS), pa.int64())
        self.next_id = 1

    def table(self, rows: int = BATCH_ROWS) -> pa.Table:
        rows = min(rows, BATCH_ROWS)
        ids = pc.add(self.offsets.slice(0, rows), self.next_id)
        self.next_id += rows

        def pick(n: int) -> pa.Array:
            return pc.cast(pc.floor(pc.multiply(pc.random(rows), n)), pa.int64())

        seconds = pc.add(pick(5 * 365 * 86400), EPOCH_2020_S)
        return pa.table(
            {
                "id": ids,
                "name": pc.take(self.names, pick(len(self.names))),
                "amount": pc.round(pc.multiply(pc.random(rows), 10_000), 2),
                "quantity": pick(500),
                "day": pc.cast(
                    pc.cast(pc.add(pick(5 * 365), EPOCH_2020_DAYS), pa.int32()), pa.date32()
                ),
                "ts": pc.cast(seconds, pa.timestamp("s", tz="UTC")),
                "flag": pc.less(pc.random(rows), 0.5),
                "code": pc.take(self.codes, pick(len(self.codes))),
            }
        )


HEADER = (",".join(COLUMNS) + "\n").encode()
CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="needed")


def csv_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink, CSV_OPTIONS)
    return bytes(sink.getvalue().to_pybytes())


def write_big(path: Path, gzip_path: Path | None, size: int, stack: contextlib.ExitStack) -> int:
    """A CSV of about ``size`` bytes (cut at a line end), and its gzip; returns its rows."""
    note(f"Writing {path.name} ({size / MIB:,.0f} MiB){' and its gzip' if gzip_path else ''}")
    maker = RowMaker()
    gzip = GzipSink(gzip_path, stack) if gzip_path else None
    rows = 0
    with path.open("wb") as out:

        def emit(chunk: bytes) -> None:
            out.write(chunk)
            if gzip is not None:
                gzip.write(chunk)

        emit(HEADER)
        written = len(HEADER)
        while written < size:
            table = maker.table()
            chunk = csv_bytes(table)
            if written + len(chunk) > size:
                cut = chunk.rfind(b"\n", 0, size - written) + 1
                emit(chunk[:cut])
                rows += chunk[:cut].count(b"\n")
                break
            emit(chunk)
            written += len(chunk)
            rows += table.num_rows
    if gzip is not None:
        gzip.close()
    return rows


def write_small(folder: Path, files: int, size: int) -> int:
    note(f"Writing {files:,} CSVs of {size // 1024} KiB into {folder.name}/")
    folder.mkdir(parents=True, exist_ok=True)
    maker = RowMaker()
    sample = csv_bytes(maker.table(1000))
    rows_per_file = max(1, 1000 * (size - len(HEADER)) // len(sample))
    rows = 0
    for n in range(files):
        table = maker.table(rows_per_file)
        (folder / f"part-{n:05d}.csv").write_bytes(HEADER + csv_bytes(table))
        rows += table.num_rows
    return rows


@dataclass(frozen=True)
class Case:
    name: str
    keys: tuple[str, ...]  # object keys in the bucket (the bare side reads these)
    rows: int
    bytes: int
    path: str  # the source connection's path
    kind: str  # file | folder
    compression: str = "none"
    glob: str = ""  # dlt's file_glob under FOLDER

    def describe(self) -> str:
        files = f"{len(self.keys):,} files" if len(self.keys) > 1 else "1 file"
        return f"`{self.name}`: {files}, {self.bytes / MIB:,.1f} MiB, {self.rows:,} rows"


def prepare_data(root: Path, args: argparse.Namespace, stack: contextlib.ExitStack) -> list[Case]:
    bucket = root / "s3" / BUCKET
    (bucket / "big").mkdir(parents=True, exist_ok=True)
    manifest_path = root / "manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
    spec = {
        "version": DATA_VERSION,
        "size_mib": args.size_mib,
        "small_files": args.small_files,
        "small_kib": args.small_kib,
        "flat_gib": args.flat_gib,
    }
    if manifest.get("spec") != spec:
        manifest = {"spec": spec}
        big = bucket / "big" / "rows.csv"
        manifest["big_rows"] = write_big(
            big, big.with_suffix(".csv.gz"), args.size_mib * MIB, stack
        )
        manifest["small_rows"] = write_small(
            bucket / "small", args.small_files, args.small_kib * 1024
        )
        if args.flat_gib:
            (bucket / "flat").mkdir(exist_ok=True)
            manifest["flat_rows"] = write_big(
                bucket / "flat" / "rows.csv", None, int(args.flat_gib * 1024 * MIB), stack
            )
        manifest_path.write_text(json.dumps(manifest))
    small = sorted(p.name for p in (bucket / "small").iterdir())
    cases = [
        Case("big", ("big/rows.csv",), manifest["big_rows"],
             (bucket / "big" / "rows.csv").stat().st_size, f"/{BUCKET}/big/rows.csv", "file",
             glob="big/rows.csv"),
        Case("gzip", ("big/rows.csv.gz",), manifest["big_rows"],
             (bucket / "big" / "rows.csv.gz").stat().st_size, f"/{BUCKET}/big/rows.csv.gz",
             "file", "gzip", glob="big/rows.csv.gz"),
        Case("small", tuple(f"small/{n}" for n in small), manifest["small_rows"],
             sum((bucket / "small" / n).stat().st_size for n in small), f"/{BUCKET}/small/",
             "folder", glob="small/*.csv"),
    ]  # fmt: skip
    if args.flat_gib:
        flat = bucket / "flat" / "rows.csv"
        cases.append(
            Case(
                "flat",
                ("flat/rows.csv",),
                manifest["flat_rows"],
                flat.stat().st_size,
                f"/{BUCKET}/flat/rows.csv",
                "file",
                glob="flat/rows.csv",
            )
        )
    return cases


# -- the sides -----------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    peak_rss_mib: float
    idle_rss_mib: float | None = None

    @property
    def own_rss_mib(self) -> float | None:
        """What the run added to the process: peak minus the RSS just before it."""
        return None if self.idle_rss_mib is None else self.peak_rss_mib - self.idle_rss_mib


@dataclass
class Results:
    samples: dict[tuple[str, str], list[Sample]] = field(default_factory=dict)

    def add(self, case: str, side: str, sample: Sample) -> None:
        self.samples.setdefault((case, side), []).append(sample)

    def median(self, case: str, side: str, attr: str = "seconds") -> float | None:
        found = self.samples.get((case, side))
        if not found:
            return None
        values = [getattr(s, attr) for s in found if getattr(s, attr) is not None]
        return statistics.median(values) if values else None


class Flowservice:
    """Runs a case through the service: new resources, POST /runs, poll the run to its end."""

    def __init__(self, api: httpx.Client, catalog: httpx.Client, service: Service, s3: S3) -> None:
        self.api = api
        self.catalog = catalog
        self.pid = service.pid
        self.connection_id = create_connection(api, s3)
        self.count = 0

    @classmethod
    def start(cls, home: Path, s3: S3, stack: contextlib.ExitStack) -> Flowservice:
        """A fresh ``flowservice serve``: no earlier run's memory in its RSS."""
        service = deploy(home, stack)
        catalog_url = service.api_url.rsplit("/", 1)[0] + "/catalog"
        api = stack.enter_context(
            httpx.Client(base_url=service.api_url, headers=service.headers, timeout=600)
        )
        catalog = stack.enter_context(
            httpx.Client(base_url=catalog_url, headers=service.headers, timeout=60)
        )
        return cls(api, catalog, service, s3)

    def flow_for(self, case: Case) -> str:
        self.count += 1
        label = f"{case.name} {self.count}"
        source = self._post(
            self.api,
            "/sourceConnections",
            {
                "name": f"source {label}",
                "baseConnectionId": self.connection_id,
                "data": {
                    "format": "delimited",
                    "properties": {"columnDelimiter": ","}
                    | ({"compressionType": case.compression} if case.compression != "none" else {}),
                },
                "params": {"path": case.path, "type": case.kind},
                "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
            },
        )
        created = self.catalog.post(
            "/dataSets",
            json={
                "name": f"dataset {label}",
                "schema": {
                    "fields": [{"name": n, "type": t} for n, (t, _) in COLUMNS.items()],
                },
            },
        )
        if created.status_code != 201:
            raise RuntimeError(f"POST /dataSets: {created.status_code} {created.text[:300]}")
        dataset_id = created.json()[0].rsplit("/", 1)[1]
        target = self._post(
            self.api,
            "/targetConnections",
            {
                "name": f"target {label}",
                "params": {"dataSetId": dataset_id},
                "connectionSpec": {"id": DATALAKE_SPEC_ID, "version": "1.0"},
            },
        )
        return self._post(
            self.api,
            "/flows",
            {
                "name": f"flow {label}",
                "flowSpec": {"id": FLOW_SPEC_ID, "version": "1.0"},
                "sourceConnectionIds": [source],
                "targetConnectionIds": [target],
                "scheduleParams": {
                    "startTime": str(int(time.time()) + 86400),
                    "frequency": "day",
                    "interval": "1",
                },
            },
        )

    @staticmethod
    def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> str:
        response = client.post(path, json=body)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
        found: str = response.json()["id"]
        return found

    def measure(self, case: Case) -> Sample:
        flow_id = self.flow_for(case)
        idle = rss_mib(self.pid, "VmRSS")
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
        began = time.perf_counter()
        run_id = self._post(self.api, "/runs", {"flowId": flow_id})
        while True:
            body = self.api.get(f"/runs/{run_id}").json()
            run = body["items"][0] if "items" in body else body
            state = run["metrics"]["statusSummary"]["status"]
            if state in ("success", "failed"):
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - began
        peak = rss_mib(self.pid, "VmHWM")
        if state != "success":
            raise RuntimeError(f"The run failed: {json.dumps(run['metrics'])[:800]}")
        written = run["metrics"]["recordSummary"]["outputRecordCount"]
        if written != case.rows:
            raise RuntimeError(f"flowservice wrote {written:,} rows of {case.rows:,}")
        return Sample(seconds, peak, idle)


def rss_mib(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for pid {pid}")


def run_side(python: str, side: str, job: dict[str, Any]) -> Sample:
    """A baseline in a process of its own; its peak RSS from ``wait4``."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            [python, str(SIDES_SCRIPT), side, json.dumps(job)], stdout=out, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError(f"{side} failed ({process.returncode}):\n{errors.decode()[-2000:]}")
        out.seek(0)
        result = json.loads(out.read().decode().strip().splitlines()[-1])
    if result["rows"] != job["expected_rows"]:
        raise RuntimeError(f"{side} wrote {result['rows']:,} rows of {job['expected_rows']:,}")
    return Sample(result["seconds"], usage.ru_maxrss / 1024, result["idle_rss_mib"])


def job_for(case: Case, s3: S3, work: Path, side: str) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix=f"{side}-{case.name}-", dir=work))
    folder, _, glob = case.glob.rpartition("/")
    return {
        "endpoint": s3.url.removeprefix("http://"),
        "endpoint_url": s3.url,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region": REGION,
        "bucket": BUCKET,
        "keys": list(case.keys),
        "types": {name: arrow for name, (_, arrow) in COLUMNS.items()},
        "out": str(out / "rows.parquet") if side == "bare" else str(out),
        "work": str(out / "pipelines"),
        "folder": folder + "/",
        "glob": glob,
        "expected_rows": case.rows,
    }


def find_dlt(option: str | None) -> str | None:
    candidates = [option] if option else [str(DLT_VENV_PYTHON), sys.executable]
    for python in candidates:
        if python and Path(python).exists():
            probe = subprocess.run(
                [python, "-c", "import dlt, duckdb"], capture_output=True, check=False
            )
            if probe.returncode == 0:
                return python
    return None


# -- the run -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--small-files", type=int, default=2000)
    parser.add_argument("--small-kib", type=int, default=64)
    parser.add_argument("--flat-gib", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cases", default="big,gzip,small,flat")
    parser.add_argument("--dlt-python", default=None)
    parser.add_argument(
        "--dlt-rounds", type=int, default=1, help="rounds dlt takes part in (it is slow)"
    )
    parser.add_argument("--no-dlt", action="store_true")
    parser.add_argument("--keep-data", action="store_true")
    parser.add_argument("--json", default=None)
    parser.add_argument("--profile", default=None, help="py-spy raw profiles of the service")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    production_env()
    began = time.monotonic()
    try:
        with contextlib.ExitStack() as stack:
            results, cases, described = run(args, stack)
    except KeyboardInterrupt:
        note("Interrupted; everything started was stopped.")
        return 130
    report(results, cases, described, time.monotonic() - began, args)
    return 0


def run(
    args: argparse.Namespace, stack: contextlib.ExitStack
) -> tuple[Results, list[Case], dict[str, str]]:
    if args.keep_data:
        root = DATA_DIR
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ingest-bench-")))
    work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ingest-bench-run-")))
    cases = prepare_data(root, args, stack)
    wanted = set(args.cases.split(","))
    s3 = start_rclone(root / "s3", work, stack)
    first = sorted((root / "s3" / BUCKET / "small").iterdir())[0]
    warm = Case("warm", (f"small/{first.name}",), first.read_bytes().count(b"\n") - 1,
                first.stat().st_size, f"/{BUCKET}/small/{first.name}", "file")  # fmt: skip
    homes = itertools.count(1)
    dlt_python = None if args.no_dlt else find_dlt(args.dlt_python)
    if dlt_python is None and not args.no_dlt:
        note("dlt is not installed (make bench-dlt makes bench/.venv-dlt): its side is skipped.")
    described = {"s3": s3.describe(), "dlt": dlt_python or "not run"}
    results = Results()

    def measure(case: Case, side: str) -> None:
        if side == "flowservice":
            with contextlib.ExitStack() as served:
                flowservice = Flowservice.start(work / f"home-{next(homes)}", s3, served)
                flowservice.measure(warm)  # what any run imports is loaded, as in a served app
                with profiling(args.profile, flowservice.pid, f"ingest-{case.name}.txt"):
                    sample = flowservice.measure(case)
        elif side == "bare pyarrow":
            sample = run_side(sys.executable, "bare", job_for(case, s3, work, "bare"))
        else:
            assert dlt_python is not None
            sample = run_side(dlt_python, "dlt", job_for(case, s3, work, "dlt"))
        note(f"  {case.name:6} {side:13} {sample.seconds:7.2f} s  {sample.peak_rss_mib:,.0f} MiB")
        results.add(case.name, side, sample)

    rounds_cases = [c for c in cases if c.name in wanted and c.name != "flat"]
    for number in range(args.rounds):
        note(f"Round {number + 1} of {args.rounds}")
        for case in random.sample(rounds_cases, len(rounds_cases)):
            sides = [s for s in SIDES if s != "dlt" or (dlt_python and number < args.dlt_rounds)]
            for side in random.sample(sides, len(sides)):
                measure(case, side)
    flat = next((c for c in cases if c.name == "flat" and "flat" in wanted), None)
    if flat is not None:
        note("Peak RSS against file size: the flat file, once per side")
        for side in ("flowservice", "bare pyarrow"):
            measure(flat, side)
    return results, cases, described


def report(
    results: Results,
    cases: list[Case],
    described: dict[str, str],
    elapsed: float,
    args: argparse.Namespace,
) -> None:
    headers = ["case", "side", "time (s)", "MiB/s", "ratio to bare", "peak RSS (MiB)",
               "run's own (MiB)", "own ratio to bare", "runs (s)"]  # fmt: skip
    rows: list[list[str]] = []
    verdicts: list[str] = []
    by_name = {c.name: c for c in cases}
    for case in cases:
        bare = results.median(case.name, "bare pyarrow")
        bare_own = results.median(case.name, "bare pyarrow", "own_rss_mib")
        for side in SIDES:
            seconds = results.median(case.name, side)
            if seconds is None or bare is None or not bare_own:
                continue
            rss = results.median(case.name, side, "peak_rss_mib") or 0.0
            idle = results.median(case.name, side, "idle_rss_mib") or 0.0
            own = results.median(case.name, side, "own_rss_mib") or 0.0
            runs = results.samples[(case.name, side)]
            rows.append([
                case.name, side, f"{seconds:.2f}", f"{case.bytes / MIB / seconds:,.0f}",
                f"{bare / seconds:.2f}", f"{rss:,.0f} (before {idle:,.0f})", f"{own:,.0f}",
                f"{own / bare_own:.2f}", " / ".join(f"{s.seconds:.2f}" for s in runs),
            ])  # fmt: skip
    print("## Ingestion benchmark\n")
    print(machine_summary())
    print(f"\nSource: {described['s3']}. dlt: {described['dlt']}.\n")
    for case in cases:
        print(f"- {case.describe()}")
    print()
    print(markdown_table(headers, rows))
    aims = (("big", 0.8, ">= 0.8x bare"), ("gzip", 0.9, ">= 0.9x bare"),
            ("small", 1 / 1.5, "<= 1.5x bare's time"))  # fmt: skip
    for name, floor, wording in aims:
        bare = results.median(name, "bare pyarrow")
        ours = results.median(name, "flowservice")
        if bare and ours:
            ratio = bare / ours
            verdicts.append(
                f"- {name}: {ratio:.2f}x bare ({wording}): {'met' if ratio >= floor else 'NOT met'}"
            )
        bare_rss = results.median(name, "bare pyarrow", "own_rss_mib")
        our_rss = results.median(name, "flowservice", "own_rss_mib")
        if bare_rss and our_rss:
            ratio = our_rss / bare_rss
            verdicts.append(
                f"- {name}: the run's own memory {our_rss:,.0f} vs {bare_rss:,.0f} MiB = "
                f"{ratio:.2f}x bare (<= 1.2x): {'met' if ratio <= 1.2 else 'NOT met'}"
            )
    small_rss = results.median("big", "flowservice", "own_rss_mib")
    flat_rss = results.median("flat", "flowservice", "own_rss_mib")
    if small_rss and flat_rss and "flat" in by_name:
        growth = flat_rss / small_rss - 1
        verdicts.append(
            f"- flat: the run's own memory {flat_rss:,.0f} MiB at "
            f"{by_name['flat'].bytes / MIB:,.0f} MiB vs "
            f"{small_rss:,.0f} MiB at {by_name['big'].bytes / MIB:,.0f} MiB = {growth:+.0%} "
            f"(within 10%): {'met' if abs(growth) <= 0.10 else 'NOT met'}"
        )
    print("\nAims:\n" + "\n".join(verdicts))
    print(f"\n{args.rounds} rounds; {elapsed:.0f} s in all.")
    if args.json:
        dump_json(
            {
                "cases": [c.describe() for c in cases],
                "samples": {
                    f"{case}/{side}": [s.__dict__ for s in samples]
                    for (case, side), samples in results.samples.items()
                },
            },
            args.json,
        )


if __name__ == "__main__":
    sys.exit(main())
