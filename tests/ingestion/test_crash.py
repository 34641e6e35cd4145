"""Runs survive their process being killed (exit 137, no cleanup) mid-stream and after the Delta
commit: after a restart the run is taken over when its lease expires and every row is in the
dataset exactly once. An API replica without a worker leaves runs to ``flowservice worker``,
which stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from deltalake import DeltaTable

from flowservice.ingestion.pipeline import GATHER_ROWS
from tests.cli.test_cli import CLI, _wait_healthy
from tests.conftest import S3_SPEC_ID, s3_connection_body
from tests.support.databases import BACKENDS, database_url
from tests.support.dataflows import DATA_LAKE_SPEC_ID, FLOW_SPEC_ID, created_id, item
from tests.support.live import free_port
from tests.support.s3servers import S3Server

pytestmark = pytest.mark.s3

# Each file is more rows than the pipeline gathers before a cast, so the stream is three
# batches and "mid-stream" falls after the first.
ROWS = GATHER_ROWS + 1000
FILES = {
    f"in/part-{i}.csv": b"id,name\n"
    + b"".join(b"%d,n%d\n" % (i * ROWS + j, j) for j in range(ROWS))
    for i in range(3)
}


@contextmanager
def _service(env: dict[str, str], *options: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [*CLI, "serve", *options], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_healthy(int(env["FLOWSERVICE_PORT"]))
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=20)


def _env(home: Path, url: str, **settings: str) -> dict[str, str]:
    """The environment of the processes of one deployment (FLOWSERVICE_* names as given)."""
    return {
        **os.environ,
        "FLOWSERVICE_HOME": str(home),
        "FLOWSERVICE_PORT": str(free_port()),
        "FLOWSERVICE_DATABASE_URL": url,
        "FLOWSERVICE_ALLOWED_ENDPOINTS": "127.0.0.0/8",
        **{f"FLOWSERVICE_{name.upper()}": value for name, value in settings.items()},
    }


def _client(home: Path) -> httpx.Client:
    saved = json.loads((home / "credentials.json").read_text())
    headers = {
        "Authorization": f"Bearer {saved['accessToken']}",
        "x-api-key": saved["apiKey"],
        "x-gw-ims-org-id": saved["orgId"],
        "x-sandbox-name": saved["sandboxName"],
    }
    return httpx.Client(base_url=saved["endpoint"].rsplit("/", 1)[0], headers=headers, timeout=30)


def _setup(client: httpx.Client, s3: S3Server, bucket: str) -> tuple[str, str]:
    flow_api = "/flowservice"
    base = created_id(
        client.post(
            f"{flow_api}/connections", json=s3_connection_body(**s3.params(bucketName=bucket))
        )
    )
    source = created_id(
        client.post(
            f"{flow_api}/sourceConnections",
            json={
                "name": "s",
                "baseConnectionId": base,
                "data": {"format": "delimited"},
                "params": {"path": f"/{bucket}/in/", "type": "folder"},
                "connectionSpec": {"id": S3_SPEC_ID},
            },
        )
    )
    schema = {"fields": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"}]}
    dataset = (
        client.post("/catalog/dataSets", json={"name": "d", "schema": schema})
        .json()[0]
        .rsplit("/", 1)[1]
    )
    target = created_id(
        client.post(
            f"{flow_api}/targetConnections",
            json={
                "name": "t",
                "params": {"dataSetId": dataset},
                "connectionSpec": {"id": DATA_LAKE_SPEC_ID},
            },
        )
    )
    flow = created_id(
        client.post(
            f"{flow_api}/flows",
            json={
                "name": "f",
                "flowSpec": {"id": FLOW_SPEC_ID},
                "sourceConnectionIds": [source],
                "targetConnectionIds": [target],
                "scheduleParams": {"startTime": int(time.time()) + 3600, "frequency": "once"},
            },
        )
    )
    return flow, dataset


def _finished(client: httpx.Client, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = item(client, f"/flowservice/runs/{run_id}")
        if run["metrics"]["statusSummary"]["status"] in ("success", "failed"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish")


@pytest.mark.parametrize("failpoint", ["mid-stream", "after-commit"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_run_is_taken_over_and_ingests_every_row_once(
    tmp_path: Path, rclone_s3: S3Server, backend: str, failpoint: str
) -> None:
    bucket = rclone_s3.new_bucket("crash")
    rclone_s3.put_objects(bucket, FILES)
    home = tmp_path / "home"
    with database_url(backend, tmp_path) as url:
        env = _env(home, url, run_lease_seconds="2", worker_poll_seconds="0.2")
        with (
            _service({**env, "FLOWSERVICE_FAILPOINT": failpoint}) as doomed,
            _client(home) as client,
        ):
            flow_id, dataset = _setup(client, rclone_s3, bucket)
            run_id = client.post("/flowservice/runs", json={"flowId": flow_id}).json()["id"]
            assert doomed.wait(timeout=60) == 137  # the failpoint ended the process
        with _service(env), _client(home) as client:
            run = _finished(client, run_id)
            assert run["metrics"]["statusSummary"]["status"] == "success", run
            assert run["metrics"]["recordSummary"]["outputRecordCount"] == 3 * ROWS
            again = client.post("/flowservice/runs", json={"flowId": flow_id}).json()["id"]
            assert _finished(client, again)["metrics"]["fileSummary"]["inputFileCount"] == 0
    [table] = [p.parent for p in home.rglob(f"{dataset}/_delta_log")]
    ids = DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist()
    assert sorted(ids) == list(range(3 * ROWS))
    assert len(ids) == len(set(ids)) == 3 * ROWS


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_api_replica_leaves_runs_to_a_worker_process_that_stops_on_sigterm(
    tmp_path: Path, rclone_s3: S3Server, backend: str
) -> None:
    bucket = rclone_s3.new_bucket("worker")
    rclone_s3.put_objects(bucket, FILES)
    home = tmp_path / "home"
    with database_url(backend, tmp_path) as url:
        env = _env(home, url)
        with _service(env, "--no-worker", "--no-scheduler"), _client(home) as client:
            flow_id, dataset = _setup(client, rclone_s3, bucket)
            run_id = client.post("/flowservice/runs", json={"flowId": flow_id}).json()["id"]
            time.sleep(1)  # an API replica alone executes nothing
            run = item(client, f"/flowservice/runs/{run_id}")
            assert run["metrics"]["statusSummary"]["status"] == "scheduled"
            worker = subprocess.Popen(
                [*CLI, "worker", "--poll-seconds", "0.2", "--no-scheduler", "--concurrency", "1"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            try:
                run = _finished(client, run_id)
            finally:
                worker.send_signal(signal.SIGTERM)
                _, said = worker.communicate(timeout=60)
            assert run["metrics"]["statusSummary"]["status"] == "success", run
            assert worker.returncode == 0, said.decode()
            assert b"Stopped." in said
    [table] = [p.parent for p in home.rglob(f"{dataset}/_delta_log")]
    ids = DeltaTable(str(table)).to_pyarrow_table().column("id").to_pylist()
    assert sorted(ids) == list(range(3 * ROWS))
