"""Several API replicas and workers as separate processes on one database, workers killed with
SIGKILL while they execute runs: every run ends ``success``, every dataset holds each source row
exactly once in one commit per run, and the run records show the takeovers (issue 9, §4).

Each kill hits a worker that holds a run (found by its lease), so every kill is a takeover; the
loop is bounded (``KILLS``), and a killed worker is started again at once.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from deltalake import DeltaTable
from sqlalchemy import create_engine, text

from tests.cli.test_cli import CLI
from tests.ingestion.test_crash import ROWS, _client, _env, _finished, _service, _setup
from tests.support.databases import BACKENDS, database_url
from tests.support.live import free_port
from tests.support.s3servers import S3Server

pytestmark = pytest.mark.s3

FLOWS = 4
KILLS = 4
FILES_PER_FLOW = 3


def files_of(flow: int) -> dict[str, bytes]:
    first = flow * FILES_PER_FLOW * ROWS
    return {
        f"in/part-{i}.csv": b"id,name\n"
        + b"".join(b"%d,n\n" % (first + i * ROWS + j) for j in range(ROWS))
        for i in range(FILES_PER_FLOW)
    }


class Workers:
    """``flowservice worker`` processes, each started again when killed."""

    def __init__(self, env: dict[str, str], count: int) -> None:
        self._env = env
        self.processes = [self._start() for _ in range(count)]
        self.killed = 0

    def _start(self) -> subprocess.Popen[bytes]:
        argv = [*CLI, "worker", "--no-scheduler", "--concurrency", "1", "--poll-seconds", "0.2"]
        return subprocess.Popen(
            argv, env=self._env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def kill(self, pid: int) -> bool:
        for index, process in enumerate(self.processes):
            if process.pid == pid and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                self.processes[index] = self._start()
                self.killed += 1
                return True
        return False

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def workers(env: dict[str, str], count: int) -> Iterator[Workers]:
    started = Workers(env, count)
    try:
        yield started
    finally:
        started.stop()


def query(url: str, sql: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def runs_in_progress(url: str) -> list[dict[str, Any]]:
    return query(url, "SELECT id, lease_owner FROM runs WHERE state = 'inProgress'")


def run_records(url: str) -> list[dict[str, Any]]:
    found = query(url, "SELECT id, state, attempt, document FROM runs")
    for run in found:
        if isinstance(run["document"], str):  # SQLite's JSON comes back as text
            run["document"] = json.loads(run["document"])
    return found


def kill_busy_workers(url: str, pool: Workers, chaos: random.Random, deadline: float) -> None:
    """Up to KILLS times: wait a moment, then SIGKILL a worker holding a run."""
    while pool.killed < KILLS and time.monotonic() < deadline:
        time.sleep(chaos.uniform(0.2, 1.0))
        busy = [r for r in runs_in_progress(url) if r["lease_owner"]]
        if not busy:
            if not any(r["state"] == "scheduled" for r in run_records(url)):
                return  # nothing left to interrupt
            continue
        owner = chaos.choice(busy)["lease_owner"]
        pool.kill(int(owner.split(":")[1]))  # worker ids are host:pid:suffix


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_workers_are_taken_over_and_every_row_lands_once(
    tmp_path: Path, rclone_s3: S3Server, backend: str
) -> None:
    chaos = random.Random(20261203)
    home = tmp_path / "home"
    with database_url(backend, tmp_path) as url, ExitStack() as stack:
        env = _env(home, url, run_lease_seconds="2", scheduler="false")
        replicas = []
        for _ in range(2):  # one after the other: the first bootstraps the credentials
            port = free_port()
            stack.enter_context(_service({**env, "FLOWSERVICE_PORT": str(port)}, "--no-worker"))
            replicas.append(port)
        clients = [stack.enter_context(_client(home)) for _ in replicas]
        for client, port in zip(clients, replicas, strict=True):
            client.base_url = httpx.URL(f"http://127.0.0.1:{port}/data/foundation")
        flows = []
        for n in range(FLOWS):
            bucket = rclone_s3.new_bucket(f"takeover{n}")
            rclone_s3.put_objects(bucket, files_of(n))
            flows.append(_setup(clients[n % 2], rclone_s3, bucket))
        runs = [
            clients[(n + 1) % 2].post("/flowservice/runs", json={"flowId": flow_id}).json()["id"]
            for n, (flow_id, _dataset) in enumerate(flows)
        ]
        with workers(env, 2) as pool:
            kill_busy_workers(url, pool, chaos, time.monotonic() + 120)
            finished = [_finished(clients[n % 2], run_id, 180) for n, run_id in enumerate(runs)]
        records = {r["id"]: r for r in run_records(url)}
    assert pool.killed >= 1
    for run in finished:
        assert run["metrics"]["statusSummary"]["status"] == "success", run
        assert run["metrics"]["recordSummary"]["outputRecordCount"] == FILES_PER_FLOW * ROWS
    attempts = [records[run_id]["document"]["attempts"] for run_id in runs]
    for each, run_id in zip(attempts, runs, strict=True):
        assert [a["attempt"] for a in each] == list(range(1, len(each) + 1))
        assert records[run_id]["attempt"] == len(each)
    # A kill may land just after a run ended; most land on a run in progress.
    assert sum(len(each) - 1 for each in attempts) >= 1
    for n, (flow_id, dataset) in enumerate(flows):
        [log] = list(home.rglob(f"{dataset}/_delta_log"))
        ids = DeltaTable(str(log.parent)).to_pyarrow_table().column("id").to_pylist()
        first = n * FILES_PER_FLOW * ROWS
        assert sorted(ids) == list(range(first, first + FILES_PER_FLOW * ROWS))
        assert commits_of(log, flow_id) == 1  # one commit for the run, whatever its attempts


def commits_of(log: Path, app_id: str) -> int:
    """How many commits of the table's log carry the flow's app transaction."""
    found = 0
    for commit in sorted(log.glob("*.json")):
        actions = [json.loads(line) for line in commit.read_text().splitlines() if line]
        found += any(a.get("txn", {}).get("appId") == app_id for a in actions)
    return found
