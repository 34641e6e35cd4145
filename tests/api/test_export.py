"""Data Access ``/export`` over HTTP: a batch's files, downloads, diagnostics, failed files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowservice.datasets.ids import new_batch_id
from flowservice.datasets.lake import batch_meta_dir
from tests.support.dataflows import dataset
from tests.support.live import LiveServer
from tests.support.tenants import TenantCredentials, tenant_of
from tests.support.wire import error_code

ROW_ERROR = {
    "_corrupt_record": '{missingQuotes: "v1"}',
    "_errors": [{"code": "1401", "message": "Row is corrupted"}],
}


@pytest.fixture
def batch(live: LiveServer, catalog: httpx.Client, tenant: TenantCredentials) -> str:
    """A batch as the engine leaves it: one Parquet file and its diagnostics."""
    scope = tenant_of(live.services.db, tenant)
    dataset_id = dataset(catalog)
    table = Path(live.services.datasets.table_uri(scope, dataset_id))
    batch_id = new_batch_id()
    (table / "part-00000.parquet").parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"id": [1, 2]}), table / "part-00000.parquet")
    meta = batch_meta_dir(str(table), batch_id)
    (meta / "meta" / "input_files").mkdir(parents=True)
    (meta / "meta" / "row_errors").mkdir()
    (meta / "failed").mkdir()
    (meta / "meta" / "input_files" / "fileMetaData1.json").write_text('{"path": "F1.csv"}\n')
    (meta / "meta" / "row_errors" / "parsing_errors_0.json").write_text(
        json.dumps(ROW_ERROR) + "\n"
    )
    (meta / "meta" / "row_error_samples.json").write_text("[]")
    (meta / "failed" / "part-00000.json").write_text('{"id": "x"}\n')
    size = (table / "part-00000.parquet").stat().st_size
    live.services.batches.create(
        scope,
        {
            "id": batch_id,
            "dataset_id": dataset_id,
            "status": "success",
            "document": {"dataFiles": [{"path": "part-00000.parquet", "length": size}]},
        },
    )
    return batch_id


def test_files_listing_and_download(export: httpx.Client, batch: str) -> None:
    [entry] = export.get(f"/batches/{batch}/files").json()["data"]
    assert entry["dataSetFileId"] == f"{batch}-1"
    href = entry["_links"]["self"]["href"]
    assert href.endswith(f"/export/files/{batch}-1")
    [file] = export.get(f"/files/{batch}-1").json()["data"]
    assert file["name"] == "part-00000.parquet"
    assert file["length"].isdigit()
    content = export.get(f"/files/{batch}-1", params={"path": "part-00000.parquet"})
    assert content.status_code == 200
    assert pq.read_table(io.BytesIO(content.content)).column("id").to_pylist() == [1, 2]


def test_meta_listings_and_files(export: httpx.Client, batch: str) -> None:
    listed = export.get(f"/batches/{batch}/meta", params={"path": "row_errors"}).json()
    assert [d["name"] for d in listed["data"]] == ["parsing_errors_0.json"]
    assert listed["_page"]["count"] == 1
    line = export.get(f"/batches/{batch}/meta", params={"path": "row_errors/parsing_errors_0.json"})
    assert json.loads(line.text) == ROW_ERROR
    assert (
        export.get(f"/batches/{batch}/meta", params={"path": "input_files"}).json()["data"][0][
            "name"
        ]
        == "fileMetaData1.json"
    )
    for name in ("row_error_samples.json", "row_errors_sample.json"):
        assert export.get(f"/batches/{batch}/meta", params={"path": name}).text == "[]"
    failed = export.get(f"/batches/{batch}/failed").json()["data"]
    assert [d["name"] for d in failed] == ["part-00000.json"]


@pytest.mark.parametrize(
    "path", ["../../../../../../etc/passwd", "row_errors/../../failed/part-00000.json", "nope"]
)
def test_paths_outside_the_batch_or_missing_are_404(
    export: httpx.Client, batch: str, path: str
) -> None:
    response = export.get(f"/batches/{batch}/meta", params={"path": path})
    assert response.status_code == 404, response.text
    assert error_code(response) == "1101-404"


def test_unknown_batch_and_file(export: httpx.Client, batch: str) -> None:
    assert export.get("/batches/01ARZ3NDEKTSV4RRFFQ69G5FAV/files").status_code == 404
    assert export.get(f"/files/{batch}-2").status_code == 404
    assert (
        export.get(f"/files/{batch}-1", params={"path": "../part-00000.parquet"}).status_code == 404
    )
