"""Runs executed end to end over HTTP: files on real S3 servers into the dataset's Delta table."""

from __future__ import annotations

import bz2
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from deltalake import DeltaTable

from tests.conftest import S3_SPEC_ID, make_settings, s3_connection_body
from tests.support.databases import BACKENDS, database_url
from tests.support.dataflows import DATA_LAKE_SPEC_ID, FLOW_SPEC_ID, created_id, item
from tests.support.flaky import flaky_proxy
from tests.support.live import LiveServer, live_server
from tests.support.s3servers import S3Server
from tests.support.tenants import new_tenant

pytestmark = pytest.mark.s3

CSV = b"id,name,amount,joined\n1,Ann,1.5,2024-01-02\n2,Bob,7,2024-02-03\n3,Cy,,2024-03-04\n"


@pytest.fixture(scope="module", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app with its executor running, once per back end for this module."""
    home = tmp_path_factory.mktemp(f"engine-{request.param}")
    with database_url(request.param, home) as url:
        settings = make_settings(
            home, url, worker=True, worker_poll_seconds=0.2, run_retry_seconds=0.1
        )
        with live_server(settings, request.param) as server:
            yield server


@pytest.fixture
def clients(engine: LiveServer) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    headers = new_tenant(engine.services.db).headers()
    base = f"{engine.root_url}/data/foundation"
    api = httpx.Client(base_url=f"{base}/flowservice", headers=headers, timeout=30)
    catalog = httpx.Client(base_url=f"{base}/catalog", headers=headers, timeout=30)
    with api, catalog:
        yield api, catalog


def _flow(
    api: httpx.Client,
    catalog: httpx.Client,
    s3: S3Server,
    bucket: str,
    path: str,
    data: dict[str, Any],
    service_url: str | None = None,
    **flow: Any,
) -> tuple[str, str]:
    params = s3.params(bucketName=bucket)
    if service_url:
        params["serviceUrl"] = service_url
    base = created_id(api.post("/connections", json=s3_connection_body(**params)))
    source = created_id(
        api.post(
            "/sourceConnections",
            json={
                "name": "s",
                "baseConnectionId": base,
                "data": data,
                "params": {"path": path, "type": "folder"},
                "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
            },
        )
    )
    created = catalog.post(
        "/dataSets", json={"name": "d", "schemaRef": {"id": "https://ns.adobe.com/x/schemas/y"}}
    )
    dataset = created.json()[0].rsplit("/", 1)[1]
    target = created_id(
        api.post(
            "/targetConnections",
            json={
                "name": "t",
                "params": {"dataSetId": dataset},
                "connectionSpec": {"id": DATA_LAKE_SPEC_ID, "version": "1.0"},
            },
        )
    )
    flow_id = created_id(
        api.post(
            "/flows",
            json={
                "name": "f",
                "flowSpec": {"id": FLOW_SPEC_ID, "version": "1.0"},
                "sourceConnectionIds": [source],
                "targetConnectionIds": [target],
                "scheduleParams": {
                    "startTime": int(time.time()) + 3600,
                    "frequency": "hour",
                    "interval": 1,
                },
                **flow,
            },
        )
    )
    return flow_id, dataset


def _run(api: httpx.Client, flow_id: str, timeout: float = 60) -> dict[str, Any]:
    run_id = api.post("/runs", json={"flowId": flow_id}).json()["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = item(api, f"/runs/{run_id}")
        if run["metrics"]["statusSummary"]["status"] in ("success", "failed"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not finish: {run}")


def _rows(engine: LiveServer, dataset_id: str) -> list[dict[str, Any]]:
    found = list(
        Path(engine.settings.resolved_home, "lake").rglob(f"{dataset_id}/_delta_log/*.json")
    )
    if not found:
        return []  # nothing was ever committed
    rows = DeltaTable(str(found[0].parent.parent)).to_pyarrow_table().to_pylist()
    return sorted(rows, key=lambda r: json.dumps(r, default=str, sort_keys=True))


def _listed_flows(api: httpx.Client) -> dict[str, dict[str, Any]]:
    response = api.get("/flows", params={"limit": 100})
    assert response.status_code == 200, response.text
    return {flow["id"]: flow for flow in response.json()["items"]}


def test_a_csv_folder_into_a_new_dataset_once(
    engine: LiveServer, clients: tuple[httpx.Client, httpx.Client], s3_server: S3Server
) -> None:
    api, catalog = clients
    bucket = s3_server.new_bucket("ingest")
    s3_server.put_objects(
        bucket,
        {
            "in/a.csv": CSV,
            "in/b.csv.gz": gzip.compress(CSV),
            "in/skip.json": b"{}",
            "in/empty.csv": b"",
        },
    )
    flow_id, dataset = _flow(
        api, catalog, s3_server, bucket, f"/{bucket}/in/*.csv", {"format": "delimited"}
    )
    assert flow_id in _listed_flows(api)  # its rendering is kept from here
    run = _run(api, flow_id)
    assert run["metrics"]["statusSummary"]["status"] == "success", run
    assert run["metrics"]["recordSummary"] == {
        "inputRecordCount": 3,
        "outputRecordCount": 3,
        "failedRecordCount": 0,
    }
    assert run["metrics"]["fileSummary"]["inputFileCount"] == 1
    assert run["metrics"]["fileSummary"]["skippedFileCount"] == 1
    rows = _rows(engine, dataset)
    assert [r["name"] for r in rows] == ["Ann", "Bob", "Cy"]
    assert rows[0]["amount"] == 1.5
    again = _run(api, flow_id)
    assert again["metrics"]["statusSummary"]["status"] == "success"
    assert again["metrics"]["fileSummary"]["inputFileCount"] == 0
    assert len(_rows(engine, dataset)) == 3
    flow = item(api, f"/flows/{flow_id}")
    assert flow["lastRunDetails"]["state"] == "success"
    assert _listed_flows(api)[flow_id] == flow  # lastRunDetails gave the flow a new etag
    [batch] = catalog.get("/batches", params={"dataSet": dataset}).json().values()
    assert batch["status"] == "success"
    assert batch["tags"]["flowId"] == [flow_id]


def test_bad_rows_fail_the_run_without_partial_ingestion_and_pass_under_the_threshold(
    engine: LiveServer, clients: tuple[httpx.Client, httpx.Client], s3_server: S3Server
) -> None:
    api, catalog = clients
    bucket = s3_server.new_bucket("bad")
    data = b"id,name\n1,Ann\n2,Bob,extra\n" + b"".join(b"%d,n\n" % i for i in range(3, 40))
    s3_server.put_objects(bucket, {"in/a.csv.bz2": bz2.compress(data)})
    strict, dataset = _flow(
        api,
        catalog,
        s3_server,
        bucket,
        f"/{bucket}/in/",
        {"format": "delimited", "properties": {"compressionType": "bzip2"}},
    )
    failed = _run(api, strict)
    assert failed["metrics"]["statusSummary"]["status"] == "failed"
    assert {e["code"] for e in failed["metrics"]["statusSummary"]["errors"]} >= {
        "CONNECTOR-2001-500"
    }
    assert (
        _rows(engine, dataset) == []
        if Path(engine.settings.resolved_home, "lake").rglob(dataset)
        else True
    )
    lenient, dataset2 = _flow(
        api,
        catalog,
        s3_server,
        bucket,
        f"/{bucket}/in/",
        {"format": "delimited", "properties": {"compressionType": "bzip2"}},
        options={"partialIngestionPercent": 10},
    )
    passed = _run(api, lenient)
    assert passed["metrics"]["statusSummary"]["status"] == "success", passed
    assert passed["metrics"]["recordSummary"]["failedRecordCount"] == 1
    assert len(_rows(engine, dataset2)) == 38


def _parquet() -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2, 3], "name": ["Ann", "Bøb", "Cy"]}), sink)
    return sink.getvalue()


FORMATS = {
    "tsv-latin-1": (
        {"format": "delimited", "properties": {"columnDelimiter": "\t", "encoding": "ISO-8859-1"}},
        "id\tname\n1\tAnn\n2\tBøb\n3\tCy\n".encode("latin-1"),
    ),
    "json-lines-gzip": (
        {"format": "json", "properties": {"compressionType": "gzip"}},
        gzip.compress(
            b'{"id": 1, "name": "Ann"}\n{"id": 2, "name": "B\xc3\xb8b"}\n{"id": 3, "name": "Cy"}\n'
        ),
    ),
    "json-array": (
        {"format": "json"},
        b'[{"id": 1, "name": "Ann"}, {"id": 2, "name": "B\xc3\xb8b"}, {"id": 3, "name": "Cy"}]',
    ),
    "parquet": ({"format": "parquet"}, _parquet()),
}


@pytest.mark.parametrize("kind", list(FORMATS))
def test_every_format_lands_the_same_rows(
    engine: LiveServer, clients: tuple[httpx.Client, httpx.Client], s3_server: S3Server, kind: str
) -> None:
    api, catalog = clients
    data, body = FORMATS[kind]
    bucket = s3_server.new_bucket("fmt")
    s3_server.put_objects(bucket, {"in/deep/file": body})
    flow_id, dataset = _flow(api, catalog, s3_server, bucket, f"/{bucket}/in/", data)
    assert _run(api, flow_id)["metrics"]["fileSummary"]["inputFileCount"] == 0  # not recursive
    recursive, dataset = _flow(api, catalog, s3_server, bucket, f"/{bucket}/in/", data)
    api.patch(
        f"/sourceConnections/{item(api, f'/flows/{recursive}')['sourceConnectionIds'][0]}",
        json=[{"op": "add", "path": "/params/recursive", "value": True}],
        headers={"If-Match": "*"},
    )
    run = _run(api, recursive)
    assert run["metrics"]["statusSummary"]["status"] == "success", run
    rows = _rows(engine, dataset)
    assert [(r["id"], r["name"]) for r in rows] == [(1, "Ann"), (2, "Bøb"), (3, "Cy")]


def test_failed_records_are_listed_and_downloadable(
    engine: LiveServer, clients: tuple[httpx.Client, httpx.Client], s3_server: S3Server
) -> None:
    api, catalog = clients
    bucket = s3_server.new_bucket("diag")
    s3_server.put_objects(bucket, {"in/a.csv": b"id,name\n1,Ann\n2,Bob,extra\n3,Cy\n4,Di\n5,Ed\n"})
    flow_id, _dataset = _flow(
        api,
        catalog,
        s3_server,
        bucket,
        f"/{bucket}/in/",
        {"format": "delimited"},
        options={"partialIngestionPercent": 50, "errorDiagnosticsEnabled": True},
    )
    run = _run(api, flow_id)
    assert run["metrics"]["recordSummary"]["failedRecordCount"] == 1
    [batch_id] = run["activities"][1]["targetInfo"][0]["reference"]["ids"]
    export = f"{engine.root_url}/data/foundation/export"
    listed = httpx.get(
        f"{export}/batches/{batch_id}/meta", params={"path": "row_errors"}, headers=api.headers
    ).json()
    assert [d["name"] for d in listed["data"]] == ["parsing_errors_0.json"]
    line = httpx.get(
        f"{export}/batches/{batch_id}/meta",
        params={"path": "row_errors/parsing_errors_0.json"},
        headers=api.headers,
    ).text
    record = json.loads(line.splitlines()[0])
    assert record["_corrupt_record"] == "2,Bob,extra"
    assert record["_errors"][0]["code"] == "1401"
    [file] = httpx.get(f"{export}/batches/{batch_id}/files", headers=api.headers).json()["data"]
    assert file["dataSetFileId"] == f"{batch_id}-1"


def _put(server: S3Server, bucket: str, key: str, ids: list[int], modified: float) -> None:
    """An object whose LastModified is ``modified`` (rclone keeps the ``mtime`` metadata)."""
    body = "id,name\n" + "".join(f"{i},n{i}\n" for i in ids)
    server.client().put_object(
        Bucket=bucket, Key=key, Body=body.encode(), Metadata={"mtime": f"{modified:.3f}"}
    )


def _ids(engine: LiveServer, dataset_id: str) -> list[int]:
    return sorted(int(r["id"]) for r in _rows(engine, dataset_id))


def test_incremental_runs_take_late_and_boundary_second_files_exactly_once(
    engine: LiveServer, clients: tuple[httpx.Client, httpx.Client], rclone_s3: S3Server
) -> None:
    """Files that show up after a run listed, stamped before its end, are the next run's."""
    api, catalog = clients
    bucket = rclone_s3.new_bucket("incremental")
    now = time.time()
    second = int(now) - 30
    _put(rclone_s3, bucket, "in/a.csv", [1], second + 0.2)
    flow_id, dataset = _flow(
        api, catalog, rclone_s3, bucket, f"/{bucket}/in/*.csv", {"format": "delimited"}
    )
    first = _run(api, flow_id)
    assert first["metrics"]["fileSummary"]["inputFileCount"] == 1, first
    assert _ids(engine, dataset) == [1]

    _put(rclone_s3, bucket, "in/b.csv", [2], second + 0.7)  # a.csv's second: the watermark's
    _put(rclone_s3, bucket, "in/late.csv", [3, 4], now - 300)  # older than the first run
    _put(rclone_s3, bucket, "in/old.csv", [5], now - 3600)  # beyond the 15-minute lookback
    second_run = _run(api, flow_id)
    assert second_run["metrics"]["statusSummary"]["status"] == "success", second_run
    assert second_run["metrics"]["fileSummary"]["inputFileCount"] == 2
    assert _ids(engine, dataset) == [1, 2, 3, 4]

    # A run over an explicit window reaches the old file; the ledger keeps out the rest.
    run_id = api.post(
        "/runs",
        json={
            "flowId": flow_id,
            "params": {"windowStartTime": int(now) - 7200, "windowEndTime": int(time.time())},
        },
    ).json()["id"]
    deadline = time.monotonic() + 60
    while item(api, f"/runs/{run_id}")["metrics"]["statusSummary"]["status"] not in (
        "success",
        "failed",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    backfill = item(api, f"/runs/{run_id}")
    assert backfill["metrics"]["fileSummary"]["inputFileCount"] == 1, backfill
    assert _ids(engine, dataset) == [1, 2, 3, 4, 5]
    assert _run(api, flow_id)["metrics"]["fileSummary"]["inputFileCount"] == 0


def test_the_table_reads_back_with_duckdb_over_a_pyarrow_dataset(
    engine: LiveServer, clients: tuple[httpx.Client, httpx.Client], moto_s3: S3Server
) -> None:
    import duckdb

    api, catalog = clients
    bucket = moto_s3.new_bucket("duck")
    moto_s3.put_objects(bucket, {"in/a.csv": CSV, "in/b.csv": CSV.replace(b"Ann", b"Dee")})
    flow_id, dataset_id = _flow(
        api, catalog, moto_s3, bucket, f"/{bucket}/in/", {"format": "delimited"}
    )
    assert _run(api, flow_id)["metrics"]["statusSummary"]["status"] == "success"
    [log] = Path(engine.settings.resolved_home, "lake").rglob(f"{dataset_id}/_delta_log")
    table = DeltaTable(str(log.parent))  # read as docs/ingestion.md says
    schema = pa.schema(table.schema().to_arrow())
    rows = ds.dataset(table.file_uris(), schema=schema, format="parquet")  # noqa: F841 (by name)
    found = duckdb.sql(
        "SELECT name, count(*) AS n, sum(amount) AS total FROM rows GROUP BY name ORDER BY name"
    ).fetchall()
    assert found == [("Ann", 1, 1.5), ("Bob", 2, 14.0), ("Cy", 2, None), ("Dee", 1, 1.5)]


def test_throttled_reads_are_retried_and_a_source_that_stays_down_fails_the_run_at_last(
    engine: LiveServer, clients: tuple[httpx.Client, httpx.Client], rclone_s3: S3Server
) -> None:
    api, catalog = clients
    bucket = rclone_s3.new_bucket("flaky")
    rclone_s3.put_objects(bucket, {f"in/{n}.csv": CSV.replace(b"Ann", f"A{n}".encode())
                                   for n in range(3)})  # fmt: skip
    with flaky_proxy(rclone_s3.endpoint_url) as proxy:
        flow_id, dataset = _flow(
            api, catalog, rclone_s3, bucket, f"/{bucket}/in/", {"format": "delimited"},
            service_url=proxy.url,
        )  # fmt: skip
        proxy.always = True  # every object GET answered 503 SlowDown, every attempt
        down = _run(api, flow_id)
        assert down["metrics"]["statusSummary"]["status"] == "failed", down
        [error] = down["metrics"]["statusSummary"]["errors"]
        assert error["code"] == "CONNECTOR-1001-500"
        assert error["message"].endswith("(after 3 attempts)"), (
            error
        )  # FLOWSERVICE_RUN_MAX_ATTEMPTS
        # Each attempt's GET tried FLOWSERVICE_SOURCE_MAX_ATTEMPTS (3) times.
        assert proxy.failed >= 9
        assert _rows(engine, dataset) == []

        proxy.always, proxy.first, proxy.failed = False, 1, 0  # now each key fails once
        proxy._seen.clear()
        run = _run(api, flow_id)
        assert run["metrics"]["statusSummary"]["status"] == "success", run
        assert proxy.failed == 3  # one 503 per file, each retried by the client, with backoff
    assert sorted(r["name"] for r in _rows(engine, dataset)) == [
        "A0", "A1", "A2", "Bob", "Bob", "Bob", "Cy", "Cy", "Cy",
    ]  # fmt: skip
