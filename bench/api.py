"""API benchmark: flowservice's connection endpoints against a bare Starlette endpoint.

Starts the service as ``make run`` does (``flowservice serve`` in a subprocess, production
settings, its own temporary ``FLOWSERVICE_HOME``) on SQLite, and on a fresh PostgreSQL database
too when ``FLOWSERVICE_TEST_DATABASE_URL`` is set or ``--postgres URL`` is given. Beside it, with
the same uvicorn settings (host, one worker, log level, access log), runs a bare Starlette
endpoint that returns a fixed small JSON document. Both get the same closed-loop load (wrk if
installed, else an async httpx client) and the script prints requests/s, p50 and p99 per endpoint
with the ratio to the bare endpoint's throughput.

    .venv/bin/python bench/api.py [--duration 5] [--rounds 2] [--connections 32] [--json PATH]

Everything it starts (servers, wrk, py-spy, the PostgreSQL database) is stopped or dropped on
exit, Ctrl-C included. See docs/benchmarks.md for results and how to read them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import (
    LOOPBACK,
    CpuWatch,
    Load,
    Options,
    Request,
    RequestSource,
    Result,
    dump_json,
    free_port,
    lua_string,
    machine_summary,
    markdown_table,
    measure,
    note,
    profiling,
    start_server,
    stop_on_signals,
)
from _stack import flowservice_command

BASE_PATH = "/data/foundation/flowservice"
S3_SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"
BARE_DOCUMENT = {"status": "ok", "service": "bare", "version": 1}
FLOOR = "framework floor: FastAPI, 4 header deps, fixed body"
SMALL_TENANT_SIZE = 10
FLOW_SPEC_ID = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
SCHEMA_REF = {
    "id": "https://ns.adobe.com/acme/schemas/995dabbea86d58e346ff91bd8aa741a9f36f29b1019138d4",
    "contentType": "application/vnd.adobe.xed+json;version=1",
}
SCHEMA_VERSION = "application/vnd.adobe.xed-full+json;version=1"
# The aims of issue 11: reads against the bare endpoint, per back end; a page of 50 against one
# read; writes' tail against their median on SQLite.
GET_AIMS = {"sqlite": 0.25, "postgresql": 0.2}
READS = ("GET /connections/{id}", "GET /flows/{id}", "GET /runs/{id}")
LIST_AIM = 0.5
TAIL_AIM = 5.0
KEEP_ENV = {"FLOWSERVICE_TEST_DATABASE_URL"}


@dataclass(frozen=True)
class Tenant:
    org_id: str
    api_key: str
    access_token: str
    sandbox: str = "prod"

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "x-api-key": self.api_key,
            "x-gw-ims-org-id": self.org_id,
            "x-sandbox-name": self.sandbox,
        }


@dataclass(frozen=True)
class Row:
    endpoint: str
    backend: str
    result: Result
    bare: Result
    runs: Sequence[Result] = ()
    locked: int = 0  # "database is locked" in the service's log over the back end's whole run

    @property
    def ratio(self) -> float:
        return self.result.rps / self.bare.rps if self.bare.rps else 0.0


@dataclass(frozen=True)
class Dataflow:
    """One flow and one run of it, for ``GET /flows/{id}`` and ``GET /runs/{id}``."""

    flow_id: str
    run_id: str


@dataclass(frozen=True)
class Deployment:
    """One running service: where it is, how it is configured, who may call it."""

    backend: str
    env: dict[str, str]
    home: Path
    api_url: str
    pid: int
    owner: Tenant


# -- command line --------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--duration", type=float, default=5.0, help="Seconds per measurement (default 5; wrk "
        "rounds to whole seconds).")  # fmt: skip
    add("--rounds", type=int, default=2, help="Rounds over all endpoints, interleaved (default 2).")
    add("--warmup", type=float, default=1.0, help="Warm-up seconds before each (default 1).")
    add("--connections", type=int, default=32, help="Concurrent connections (default 32).")
    add("--threads", type=int, default=1, help="wrk threads (default 1).")
    add("--stored", type=int, default=10_000, help="Connections stored for the big list.")
    add("--generator", choices=("auto", "wrk", "httpx"), default="auto", help="Load generator.")
    add("--postgres", metavar="URL", default=os.environ.get("FLOWSERVICE_TEST_DATABASE_URL"),
        help="PostgreSQL server to create the run's database on "
        "(default $FLOWSERVICE_TEST_DATABASE_URL).")  # fmt: skip
    add("--no-sqlite", action="store_true", help="Skip the SQLite run.")
    add("--no-postgres", action="store_true", help="Skip the PostgreSQL run.")
    add("--json", metavar="PATH", help="Also write the results as JSON ('-' for stdout).")
    add("--profile", metavar="DIR", help="Record py-spy profiles of the service (skews numbers).")
    add("--bare-server", action="store_true", help=argparse.SUPPRESS)
    add("--floor-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.stored < 1 + 2 * args.rounds * 2 * args.connections:
        parser.error("--stored must be at least 1 + 4 x --rounds x --connections (PATCH rows)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.bare_server or args.floor_server:
        serve_baseline(floor=args.floor_server)
        return 0
    stop_on_signals()
    production_env()
    watch = CpuWatch()
    options = Options(args.duration, args.warmup, args.connections, args.threads, args.generator)
    rows: list[Row] = []
    try:
        for backend in backends(args):
            rows += run_backend(backend, args, options)
    except KeyboardInterrupt:
        note("Interrupted; everything started was stopped.")
        return 130
    report(rows, args, options, watch.others())
    return 0


def backends(args: argparse.Namespace) -> list[str]:
    chosen = [] if args.no_sqlite else ["sqlite"]
    if args.no_postgres:
        return chosen
    if args.postgres:
        return [*chosen, "postgresql"]
    note("PostgreSQL skipped: set FLOWSERVICE_TEST_DATABASE_URL or pass --postgres URL.")
    return chosen


def production_env() -> None:
    """Drop FLOWSERVICE_* settings from this process's environment: the run uses the defaults.

    The service, the CLI and the in-process seeding all read the same environment, so removing
    them here keeps the three consistent (e.g. the same master key).
    """
    for name in sorted(os.environ):
        if name.startswith("FLOWSERVICE_") and name not in KEEP_ENV:
            note(f"Ignoring {name} from the environment: the benchmark uses default settings.")
            del os.environ[name]


# -- the bare endpoint ---------------------------------------------------------------------------


def serve_baseline(floor: bool) -> None:
    """A baseline under uvicorn.run exactly as ``flowservice serve`` calls it: the bare Starlette
    route, or (``floor``) the framework floor."""
    import uvicorn

    from flowservice.settings import Settings

    settings = Settings()
    uvicorn.run(
        floor_app() if floor else bare_app(),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        server_header=False,
    )


def bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def document(_request: StarletteRequest) -> JSONResponse:
        return JSONResponse(BARE_DOCUMENT)

    return Starlette(routes=[Route("/", document)])


def floor_app() -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _floor import floor_app as build

    return build()


def start_baseline(deployment: Deployment, stack: contextlib.ExitStack, floor: bool) -> str:
    """A baseline in its own uvicorn process, with the service's environment."""
    port = free_port()
    env = {**deployment.env, "FLOWSERVICE_PORT": str(port)}
    path = "connections/00000000-0000-4000-8000-000000000000" if floor else ""
    url = f"http://{LOOPBACK}:{port}/{path}"
    kind = "floor" if floor else "bare"
    argv = [sys.executable, str(Path(__file__).resolve()), f"--{kind}-server"]
    start_server(f"{kind} endpoint", argv, env, deployment.home / f"{kind}.log", url, stack)
    return url


# -- one back end --------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace, options: Options) -> list[Row]:
    with contextlib.ExitStack() as stack:
        home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="flowservice-bench-")))
        database_url = None if backend == "sqlite" else postgres_database(args.postgres, stack)
        deployment = deploy(backend, home, database_url, stack)
        small, poster = create_tenant(deployment.env), create_tenant(deployment.env)
        ids = seed(deployment, deployment.owner, args.stored)
        seed(deployment, small, SMALL_TENANT_SIZE)
        flow = seed_dataflow(deployment, deployment.owner, ids[0][0])
        bare_url = start_baseline(deployment, stack, floor=False)
        floor_url = start_baseline(deployment, stack, floor=True)
        urls = (bare_url, floor_url)
        rows = measure_rounds(deployment, small, poster, ids, flow, urls, args, options)
        locked = (home / "serve.log").read_text(errors="replace").count("database is locked")
        return [replace(row, locked=locked) for row in rows]


def measure_rounds(
    deployment: Deployment,
    small: Tenant,
    poster: Tenant,
    ids: list[tuple[str, str]],
    flow: Dataflow,
    urls: tuple[str, str],
    args: argparse.Namespace,
    options: Options,
) -> list[Row]:
    """Each round: the bare endpoint, the framework floor, then every endpoint of the service."""
    bare_url, floor_url = urls
    # ids[0] is read by GET; PATCH uses its own rows in each warm-up and each round.
    patch_rows = split(ids[1:], 2 * args.rounds)
    bares: list[Result] = []
    results: dict[str, list[Result]] = {}
    for index in range(args.rounds):
        note(f"[{deployment.backend}] round {index + 1} of {args.rounds}: the bare endpoint")
        bares.append(measure(Load("bare", Request("GET", bare_url)), options))
        floor = measure(Load(FLOOR, Request("GET", floor_url, deployment.owner.headers())), options)
        results.setdefault(FLOOR, []).append(floor)
        rows = patch_rows[2 * index : 2 * index + 2]
        loads = endpoint_loads(deployment, small, poster, ids, flow, rows, options.threads)
        for load in loads:
            result = measure_endpoint(deployment, load, options, args.profile, index)
            results.setdefault(load.name, []).append(result)
    bare = combine(bares)
    return [
        Row(name, deployment.backend, combine(runs), bare, runs) for name, runs in results.items()
    ]


def split(rows: list[tuple[str, str]], parts: int) -> list[list[tuple[str, str]]]:
    size = len(rows) // parts
    return [rows[i * size : (i + 1) * size] for i in range(parts)]


def combine(runs: Sequence[Result]) -> Result:
    """Rounds together: throughput over all of them, latency percentiles their median."""
    return Result(
        requests=sum(r.requests for r in runs),
        errors=sum(r.errors for r in runs),
        seconds=sum(r.seconds for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        generator=runs[0].generator,
    )


def deploy(
    backend: str, home: Path, database_url: str | None, stack: contextlib.ExitStack
) -> Deployment:
    port = free_port()
    env = {
        **os.environ,
        "FLOWSERVICE_HOME": str(home),
        "FLOWSERVICE_HOST": LOOPBACK,
        "FLOWSERVICE_PORT": str(port),
    }
    if database_url:
        env["FLOWSERVICE_DATABASE_URL"] = database_url
    note(f"[{backend}] starting flowservice serve on port {port}")
    root = f"http://{LOOPBACK}:{port}"
    argv = [flowservice_command(), "serve"]
    server = start_server(
        "flowservice serve", argv, env, home / "serve.log", f"{root}/healthz", stack
    )
    saved = json.loads((home / "credentials.json").read_text())
    owner = Tenant(saved["orgId"], saved["apiKey"], saved["accessToken"], saved["sandboxName"])
    return Deployment(backend, env, home, root + BASE_PATH, server.pid, owner)


def postgres_database(admin_url: str, stack: contextlib.ExitStack) -> str:
    """A fresh database on the server at ``admin_url``, dropped when ``stack`` closes."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from flowservice.storage.db import normalize_url

    admin = normalize_url(admin_url)
    name = f"flowservice_bench_{secrets.token_hex(6)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    stack.callback(engine.dispose)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    stack.callback(drop)
    note(f"[postgresql] created database {name}")
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def create_tenant(env: Mapping[str, str]) -> Tenant:
    """A second organization and client through the CLI, as an operator would."""
    org_id = f"BENCH{secrets.token_hex(8).upper()}@AdobeOrg"
    cli(env, "orgs", "create", org_id)
    issued = json.loads(cli(env, "clients", "create", "--org", org_id, "--json"))
    return Tenant(issued["orgId"], issued["apiKey"], issued["accessToken"])


def cli(env: Mapping[str, str], *args: str) -> str:
    argv = [flowservice_command(), *args]
    done = subprocess.run(argv, env=dict(env), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"flowservice {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def connection_body(name: str) -> dict[str, Any]:
    """The tutorial's Access Key connection (no serviceUrl, so no endpoint guard is needed)."""
    return {
        "name": name,
        "description": "Amazon S3 base connection with an access key",
        "auth": {
            "specName": "Access Key",
            "params": {"s3AccessKey": "AKIABENCHMARK", "s3SecretKey": "bench-secret-value"},
        },
        "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
    }


def seed(deployment: Deployment, tenant: Tenant, count: int) -> list[tuple[str, str]]:
    """Create ``count`` connections through ConnectionService.create: the POST handler's code path
    (authentication, body model, auth-spec schema, driver checks, vault) without HTTP."""
    from flowservice.services import Services
    from flowservice.settings import Settings

    note(f"[{deployment.backend}] storing {count} connections for {tenant.org_id}")
    settings = Settings(
        home=deployment.home,
        database_url=deployment.env.get("FLOWSERVICE_DATABASE_URL"),
    )
    services = Services.build(settings)
    try:
        scope = services.authenticator.authenticate(
            tenant.headers()["Authorization"], tenant.api_key, tenant.org_id, tenant.sandbox
        )
        created = [
            services.connections.create(scope, connection_body(f"bench connection {i:05d}"))
            for i in range(count)
        ]
    finally:
        services.close()
    return [(c.id, c.etag) for c in created]


def seed_dataflow(deployment: Deployment, tenant: Tenant, base_id: str) -> Dataflow:
    """A source, dataset, target, flow and one run over the first connection, in-process.

    The flow's schedule starts in 2100, so it makes no runs of its own; the one run is an
    ad-hoc run, which the in-process worker picks up and fails (the bucket is not reachable):
    ``GET /runs/{id}`` reads a finished run with its error, like a console polling one.
    """
    from flowservice.services import Services
    from flowservice.settings import Settings

    settings = Settings(
        home=deployment.home, database_url=deployment.env.get("FLOWSERVICE_DATABASE_URL")
    )
    services = Services.build(settings)
    try:
        scope = services.authenticator.authenticate(
            tenant.headers()["Authorization"], tenant.api_key, tenant.org_id, tenant.sandbox
        )
        source = services.sources.create(scope, {
            "name": "bench source", "baseConnectionId": base_id,
            "data": {"format": "delimited"},
            "params": {"path": "/bench-bucket/in/*.csv", "type": "folder"},
            "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
        })  # fmt: skip
        [dataset_ref] = services.datasets.create(scope, {"name": "bench", "schemaRef": SCHEMA_REF})
        target = services.targets.create(scope, {
            "name": "bench target",
            "data": {"schema": {"id": SCHEMA_REF["id"], "version": SCHEMA_VERSION}},
            "params": {"dataSetId": dataset_ref.rsplit("/", 1)[1]},
            "connectionSpec": {"id": DATA_LAKE_SPEC_ID, "version": "1.0"},
        })  # fmt: skip
        flow = services.flows.create(scope, {
            "name": "bench flow", "flowSpec": {"id": FLOW_SPEC_ID, "version": "1.0"},
            "sourceConnectionIds": [source.id], "targetConnectionIds": [target.id],
            "scheduleParams": {"startTime": "4102444800", "frequency": "hour", "interval": "1"},
        })  # fmt: skip
        run = services.runs.create(scope, {"flowId": flow.id})
    finally:
        services.close()
    return Dataflow(flow.id, run.id)


# -- the loads -----------------------------------------------------------------------------------


def endpoint_loads(
    deployment: Deployment,
    small: Tenant,
    poster: Tenant,
    ids: list[tuple[str, str]],
    flow: Dataflow,
    patch_rows: list[list[tuple[str, str]]],
    threads: int,
) -> list[Load]:
    """The service's loads. POSTs go to their own tenant, so the others' row counts stay put."""
    api, owner = deployment.api_url, deployment.owner.headers()
    stored = len(ids)
    post_headers = {**poster.headers(), "Content-Type": "application/json"}
    post_body = orjson.dumps(connection_body("bench connection (POST)"))
    warmup_rows, measured_rows = patch_rows
    patch_headers = {**owner, "Content-Type": "application/json"}
    return [
        Load("GET /connections/{id}", Request("GET", f"{api}/connections/{ids[0][0]}", owner)),
        Load("GET /flows/{id}", Request("GET", f"{api}/flows/{flow.flow_id}", owner)),
        Load("GET /runs/{id}", Request("GET", f"{api}/runs/{flow.run_id}", owner)),
        Load(list_label(50, stored), list_request(api, owner, 50)),
        Load(list_label(10, stored), list_request(api, owner, 10)),
        Load(list_label(50, SMALL_TENANT_SIZE), list_request(api, small.headers(), 50)),
        patch_load(api, patch_headers, measured_rows, warmup_rows, deployment.home, threads),
        Load("POST /connections", Request("POST", f"{api}/connections", post_headers, post_body)),
    ]


def list_label(limit: int, stored: int) -> str:
    return f"GET /connections?limit={limit} ({stored:,} stored)"


def list_request(api: str, headers: Mapping[str, str], limit: int) -> Request:
    return Request("GET", f"{api}/connections?limit={limit}", headers)


PATCH_BODY = orjson.dumps([{"op": "replace", "path": "/description", "value": "patched"}])

# Each wrk thread owns every n-th row of the items file and keeps a queue of (id, etag) pairs:
# a request takes the first pair, its 200 response puts the row back with its new etag. A row
# is therefore never in flight twice and every If-Match is the row's current etag. A row whose
# PATCH failed is lost; should the queue run dry, a stale etag is sent (412, counted an error).
PATCH_LUA = r"""
local prefix, items_path, nthreads = PREFIX, ITEMS, NTHREADS
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
local queue, head, tail, ids, spare = {}, 1, 1, {}, 0
function init(args)
  local n = 0
  for line in io.lines(items_path) do
    if n % nthreads == tid then
      local id, etag = line:match("^(%S+) (%S+)$")
      ids[#ids + 1] = id
      queue[tail] = {id, etag}
      tail = tail + 1
    end
    n = n + 1
  end
end
function request()
  local item
  if head < tail then
    item = queue[head]
    queue[head] = nil
    head = head + 1
  else
    spare = spare % #ids + 1
    item = {ids[spare], '"stale"'}
  end
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["If-Match"] = item[2]
  return wrk.format(nil, prefix .. item[1], headers, nil)
end
function response(status, headers, body)
  if status ~= 200 then return end
  local id = body:match('"id":"([^"]+)"')
  local etag = body:match('"etag":"\\"([^"\\]+)\\""')
  if id and etag then
    queue[tail] = {id, '"' .. etag .. '"'}
    tail = tail + 1
  end
end
"""


class EtagRotation:
    """The httpx fallback's PATCH client: its own rows, each sent with its current etag."""

    def __init__(self, url: str, headers: Mapping[str, str], rows: list[tuple[str, str]]) -> None:
        self.url, self.headers, self.rows = url, headers, deque(rows)

    def next(self) -> Request:
        row_id, etag = self.rows[0]
        headers = {**self.headers, "If-Match": etag}
        return Request("PATCH", f"{self.url}{row_id}", headers, PATCH_BODY)

    def seen(self, response: httpx.Response) -> None:
        row_id, etag = self.rows.popleft()
        if response.status_code == 200:
            etag = response.json()["etag"]
        self.rows.append((row_id, etag))


def patch_load(
    api: str,
    headers: Mapping[str, str],
    rows: list[tuple[str, str]],
    warmup_rows: list[tuple[str, str]],
    folder: Path,
    threads: int,
) -> Load:
    def build(chosen: list[tuple[str, str]]) -> Load:
        items = folder / f"patch-rows-{secrets.token_hex(4)}.txt"
        items.write_text("".join(f"{row_id} {etag}\n" for row_id, etag in chosen))
        lua = (
            PATCH_LUA.replace("PREFIX", lua_string(f"{BASE_PATH}/connections/"))
            .replace("ITEMS", lua_string(str(items)))
            .replace("NTHREADS", str(threads))
        )

        def sources(index: int, count: int) -> RequestSource:
            return EtagRotation(f"{api}/connections/", headers, chosen[index::count])

        first = Request("PATCH", f"{api}/connections/{chosen[0][0]}", headers, PATCH_BODY)
        return Load("PATCH /connections/{id}", first, lua, sources)

    return replace(build(rows), warmup=build(warmup_rows))


# -- measuring -----------------------------------------------------------------------------------


def measure_endpoint(
    deployment: Deployment, load: Load, options: Options, profile: str | None, index: int
) -> Result:
    check(load)
    note(f"[{deployment.backend}] measuring {load.name}")
    with profiling(profile, deployment.pid, profile_name(deployment, load.name, index)):
        result = measure(load, options)
    if result.errors:
        note(f"[{deployment.backend}] {load.name}: {result.errors} errors")
    return result


def check(load: Load) -> None:
    """One request before the load, to fail early and clearly on a wrong request."""
    if load.sources is not None:
        return  # a varying load sends only rows it owns; its errors are counted instead
    request = load.request
    response = httpx.request(
        request.method, request.url, headers=dict(request.headers), content=request.body
    )
    if response.status_code >= 300:
        raise RuntimeError(f"{load.name}: {response.status_code} {response.text[:300]}")


def profile_name(deployment: Deployment, endpoint: str, index: int) -> str:
    name = f"{endpoint} round {index + 1}"
    slug = "-".join("".join(c if c.isalnum() else " " for c in name).lower().split())
    return f"{deployment.backend}-{slug}.txt"


# -- reporting -----------------------------------------------------------------------------------

HEADERS = (
    "endpoint", "backend", "req/s", "p50 ms", "p99 ms", "bare req/s", "ratio", "errors",
    "req/s per round",
)  # fmt: skip


def table_rows(rows: Sequence[Row]) -> list[list[str]]:
    return [
        [
            f"`{row.endpoint}`",
            row.backend,
            f"{row.result.rps:,.0f}",
            f"{row.result.p50_ms:.1f}",
            f"{row.result.p99_ms:.1f}",
            f"{row.bare.rps:,.0f}",
            f"{row.ratio:.2f}",
            str(row.result.errors),
            " / ".join(f"{run.rps:,.0f}" for run in row.runs),
        ]
        for row in rows
    ]


def report(rows: Sequence[Row], args: argparse.Namespace, options: Options, others: float) -> None:
    """The table on stdout (on stderr when the JSON goes to stdout), then the JSON if asked."""
    out = sys.stderr if args.json == "-" else sys.stdout
    for line in summary_lines(rows, args, options, others):
        print(line, file=out)
    if args.json:
        write_json(rows, args, options, others)


def summary_lines(
    rows: Sequence[Row], args: argparse.Namespace, options: Options, others: float
) -> list[str]:
    from flowservice.settings import Settings

    settings = Settings()
    generator = options.resolved_generator()
    lines = [
        f"Machine: {machine_summary()}; other processes (PostgreSQL's included) and VM steal "
        f"used {others:.2f} CPUs on average during the run.",
        f"Load: {generator}, {options.connections} connections"
        + (f", {options.threads} thread(s)" if generator == "wrk" else "")
        + f", {options.duration:g} s per endpoint after {options.warmup:g} s warm-up, loopback;"
        f" {args.rounds} round(s) over all endpoints"
        " (req/s over all rounds, p50/p99 the median of the rounds).",
        "Servers: one uvicorn process each (flowservice serve's default, as `make run`), "
        f"log level {settings.log_level}, access log {'on' if settings.access_log else 'off'} "
        "(to a file). The load generator shares the machine's CPUs with the server.",
        "",
        markdown_table(HEADERS, table_rows(rows)),
        "",
        *verdicts(rows, args.stored),
    ]
    if generator == "httpx":
        lines.append(
            "Caution: the httpx fallback is a Python client on the same CPUs; it saturates near "
            "the bare endpoint's rate shown, so ratios understate the gap. Install wrk."
        )
    return lines


def verdicts(rows: Sequence[Row], stored: int) -> list[str]:
    lines = []
    by_key = {(row.backend, row.endpoint): row for row in rows}
    for backend in dict.fromkeys(row.backend for row in rows):
        aim = GET_AIMS.get(backend, 0.25)
        for endpoint in READS:
            read = by_key.get((backend, endpoint))
            if read:
                lines.append(
                    f"{backend}: {endpoint} at {read.ratio:.2f}x the bare endpoint "
                    f"(aim >= {aim}x): {_met(read.ratio >= aim)}."
                )
        get = by_key.get((backend, "GET /connections/{id}"))
        page = by_key.get((backend, list_label(50, stored)))
        if get and page:
            ratio = page.result.rps / get.result.rps
            lines.append(
                f"{backend}: GET /connections?limit=50 ({stored:,} stored) at {ratio:.2f}x the "
                f"throughput of GET /connections/{{id}} (aim >= {LIST_AIM}x): "
                f"{_met(ratio >= LIST_AIM)}."
            )
        for endpoint in ("POST /connections", "PATCH /connections/{id}"):
            write = by_key.get((backend, endpoint))
            if write and write.result.p50_ms:
                tail = write.result.p99_ms / write.result.p50_ms
                aimed = f" (aim on SQLite <= {TAIL_AIM:g}x): {_met(tail <= TAIL_AIM)}"
                lines.append(
                    f"{backend}: {endpoint} p99 at {tail:.1f}x its p50"
                    + (aimed if backend == "sqlite" else "")
                    + f"; {write.result.errors} errors."
                )
        locked = max((row.locked for row in rows if row.backend == backend), default=0)
        lines.append(f"{backend}: 'database is locked' in the service's log: {locked} times.")
        small = by_key.get((backend, list_label(50, SMALL_TENANT_SIZE)))
        for limit in (50, 10):
            big = by_key.get((backend, list_label(limit, stored)))
            if big and small:
                lines.append(list_verdict(backend, big, small, limit, stored))
    return lines


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


def list_verdict(backend: str, big: Row, small: Row, limit: int, stored: int) -> str:
    shown = min(limit, stored)
    sizes = f"pages of {shown} and {SMALL_TENANT_SIZE} items"
    if shown == SMALL_TENANT_SIZE:
        sizes = f"both pages {shown} items"
    ratio = big.result.rps / small.result.rps
    return (
        f"{backend}: limit={limit} with {stored:,} stored at {ratio:.2f}x the throughput of "
        f"limit=50 with {SMALL_TENANT_SIZE} stored ({sizes}; aim: about 1x)."
    )


def write_json(
    rows: Sequence[Row], args: argparse.Namespace, options: Options, others: float
) -> None:
    document = {
        "machine": machine_summary(),
        "other_cpus_used": round(others, 2),
        "options": options.__dict__ | {"generator": options.resolved_generator()},
        "rounds": args.rounds,
        "rows": [
            {
                "endpoint": row.endpoint,
                "backend": row.backend,
                "rps": round(row.result.rps, 1),
                "p50_ms": round(row.result.p50_ms, 2),
                "p99_ms": round(row.result.p99_ms, 2),
                "requests": row.result.requests,
                "errors": row.result.errors,
                "bare_rps": round(row.bare.rps, 1),
                "ratio": round(row.ratio, 3),
                "rps_per_round": [round(run.rps, 1) for run in row.runs],
                "database_locked": row.locked,
            }
            for row in rows
        ],
    }
    dump_json(document, args.json)


if __name__ == "__main__":
    sys.exit(main())
