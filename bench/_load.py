"""Shared helpers for the benchmarks: servers in subprocesses, load generation, result tables.

Nothing here knows about flowservice's API. A benchmark script:

* starts servers with :func:`start_server` (own process group, output to a log file, stopped on
  exit even after Ctrl-C or an error, when registered on an :class:`contextlib.ExitStack`);
* describes the traffic as a :class:`Load` (a fixed :class:`Request`, or requests that change
  from one to the next, e.g. carrying an etag forward);
* drives it with :func:`measure`, which uses ``wrk`` when it is installed and falls back to an
  asynchronous ``httpx`` client otherwise, and returns a :class:`Result`;
* prints :func:`markdown_table`.

Every load is closed-loop: a fixed number of connections, each sending its next request as soon
as the previous response arrived, for a fixed duration, on loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

__all__ = [
    "LOOPBACK",
    "CpuWatch",
    "Load",
    "Options",
    "Request",
    "RequestSource",
    "Result",
    "Server",
    "free_port",
    "lua_string",
    "machine_summary",
    "markdown_table",
    "measure",
    "note",
    "start_server",
    "stop_on_signals",
]

LOOPBACK = "127.0.0.1"


def note(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


def stop_on_signals() -> None:
    """Turn SIGTERM and SIGINT into KeyboardInterrupt so ``finally`` blocks stop what was started.

    SIGINT too, because a shell starts background jobs with SIGINT ignored.
    """

    def _raise(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _raise)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


# -- servers -------------------------------------------------------------------------------------


@dataclass
class Server:
    """A server process in its own process group; ``stop`` ends the whole group."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, grace: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def start_server(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    ready_url: str,
    stack: contextlib.ExitStack,
    timeout: float = 60.0,
) -> Server:
    """Start ``argv`` (output to ``log_path``), stop it when ``stack`` closes, wait until ready."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, process, log_path)
    stack.callback(server.stop)
    _wait_ready(server, ready_url, timeout)
    return server


def _wait_ready(server: Server, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{server.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} was not ready within {timeout:.0f} s:\n{server.log_tail()}")


# -- what to send --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None


class RequestSource(Protocol):
    """The requests of one client connection when they change from one to the next."""

    def next(self) -> Request: ...

    def seen(self, response: httpx.Response) -> None: ...


@dataclass(frozen=True)
class Load:
    """The traffic of one measurement.

    ``request`` is sent as is, unless the load varies: then ``wrk_lua`` (Lua defining wrk's
    ``request()`` and, if needed, ``setup()``, ``init()`` and ``response()``) drives wrk, and
    ``sources(i, n)`` gives the httpx fallback's connection ``i`` of ``n`` its own requests.
    ``request`` still names the URL wrk connects to and the headers and body it starts from.
    ``warmup`` is the load to warm up with when it must differ from the measured one (say,
    because it would use up state the measured load relies on).
    """

    name: str
    request: Request
    wrk_lua: str = ""
    sources: Callable[[int, int], RequestSource] | None = None
    warmup: Load | None = None


@dataclass(frozen=True)
class Options:
    duration: float = 6.0
    warmup: float = 1.0
    connections: int = 32
    threads: int = 1
    generator: str = "auto"  # auto, wrk or httpx

    def resolved_generator(self) -> str:
        if self.generator != "auto":
            return self.generator
        return "wrk" if shutil.which("wrk") else "httpx"


@dataclass(frozen=True)
class Result:
    requests: int
    errors: int  # non-2xx/3xx responses, timeouts and socket errors
    seconds: float
    p50_ms: float
    p99_ms: float
    generator: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def measure(load: Load, options: Options) -> Result:
    """Warm up, then run ``load`` for ``options.duration`` seconds."""
    generator = options.resolved_generator()
    run = _run_wrk if generator == "wrk" else _run_httpx
    if options.warmup > 0:
        run(load.warmup or load, options, options.warmup)
    return run(load, options, options.duration)


# -- wrk -----------------------------------------------------------------------------------------


def lua_string(text: str | bytes) -> str:
    """A Lua string literal for any text or bytes (decimal escapes outside printable ASCII)."""
    data = text.encode() if isinstance(text, str) else text
    out = []
    for byte in data:
        char = chr(byte)
        if char in '\\"' or not 32 <= byte < 127:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _wrk_script(load: Load, out: Path) -> str:
    request = load.request
    lines = [f"wrk.method = {lua_string(request.method)}"]
    if request.body is not None:
        lines.append(f"wrk.body = {lua_string(request.body)}")
    lines += [f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in request.headers.items()]
    lines.append(load.wrk_lua)
    lines.append(_WRK_DONE.replace("OUT_PATH", lua_string(str(out))))
    return "\n".join(lines) + "\n"


_WRK_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  local f = io.open(OUT_PATH, "w")
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %.1f, "p99_us": %.1f}',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
  f:close()
end
"""


def _run_wrk(load: Load, options: Options, seconds: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script, out = Path(folder, "load.lua"), Path(folder, "result.json")
        script.write_text(_wrk_script(load, out))
        argv = [
            shutil.which("wrk") or "wrk",
            f"--threads={options.threads}",
            f"--connections={options.connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={script}",
            load.request.url,
        ]
        completed = subprocess.run(argv, capture_output=True, text=True, check=False)
        if completed.returncode != 0 or not out.exists():
            raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
        data = json.loads(out.read_text())
    return Result(
        requests=data["requests"],
        errors=data["errors"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        generator="wrk",
    )


# -- httpx fallback ------------------------------------------------------------------------------


class _Fixed:
    def __init__(self, request: Request) -> None:
        self.request = request

    def next(self) -> Request:
        return self.request

    def seen(self, response: httpx.Response) -> None:
        return None


def _run_httpx(load: Load, options: Options, seconds: float) -> Result:
    return asyncio.run(_httpx_load(load, options, seconds))


async def _httpx_load(load: Load, options: Options, seconds: float) -> Result:
    count = options.connections
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    sources = [
        load.sources(i, count) if load.sources else _Fixed(load.request) for i in range(count)
    ]
    latencies: list[float] = []
    errors = [0]
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(
            *(_httpx_worker(client, source, deadline, latencies, errors) for source in sources)
        )
        elapsed = time.perf_counter() - started
    return _summarise(latencies, errors[0], elapsed)


async def _httpx_worker(
    client: httpx.AsyncClient,
    source: RequestSource,
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    while time.perf_counter() < deadline:
        request = source.next()
        began = time.perf_counter()
        try:
            response = await client.request(
                request.method, request.url, headers=dict(request.headers), content=request.body
            )
        except httpx.HTTPError:
            errors[0] += 1
            continue
        latencies.append(time.perf_counter() - began)
        if response.status_code >= 400:
            errors[0] += 1
        source.seen(response)


def _summarise(latencies: list[float], errors: int, elapsed: float) -> Result:
    ordered = sorted(latencies)

    def percentile(p: float) -> float:
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return Result(len(ordered), errors, elapsed, percentile(50), percentile(99), "httpx")


# -- reporting -----------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


@dataclass
class CpuWatch:
    """How busy the rest of the machine was: a benchmark on shared CPUs should say so.

    Compares the machine's busy CPU time (``/proc/stat``, VM steal included) with the CPU time
    of this process and its reaped children; call :meth:`others` after the children exited.
    """

    started: float = field(default_factory=time.monotonic)
    busy: float = field(default_factory=lambda: _machine_busy_seconds())
    ours: float = field(default_factory=lambda: _own_cpu_seconds())

    def others(self) -> float:
        """CPUs used on average by other processes since this watch started (0 if unknown)."""
        elapsed = time.monotonic() - self.started
        busy = _machine_busy_seconds() - self.busy
        ours = _own_cpu_seconds() - self.ours
        return max(0.0, (busy - ours) / elapsed) if elapsed > 0 and busy > 0 else 0.0


def _machine_busy_seconds() -> float:
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return 0.0
    values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    busy = sum(values) - values[3] - values[4]
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def machine_summary() -> str:
    system = f"{platform.system()} {platform.release()}"
    return f"{_cpu_model()}, {os.cpu_count()} logical CPUs, {system}"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


@contextlib.contextmanager
def profiling(folder: str | None, pid: int, target: str, rate: int = 100) -> Iterator[None]:
    """py-spy record of process ``pid`` into ``folder/target`` while the block runs.

    Only samples holding the GIL (``--gil``): where the one server process spends its CPU.
    Without ``folder`` it does nothing; without py-spy it says so and does nothing.
    """
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not folder or not Path(spy).exists():
        if folder:
            note("py-spy is not installed; no profile recorded.")
        yield
        return
    out = Path(folder, target)
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate)]
    argv += ["--gil", "--nonblocking", "--output", str(out)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        note(f"Profile: {out}")


def dump_json(document: object, destination: str) -> None:
    """``document`` as indented JSON to a file, or to stdout when ``destination`` is ``-``."""
    text = json.dumps(document, indent=2) + "\n"
    if destination == "-":
        sys.stdout.write(text)
    else:
        Path(destination).write_text(text)
