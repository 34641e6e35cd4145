"""``/targetConnections`` (dataflows §4) over HTTP on both back ends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.dataflows import (
    DATA_LAKE_SPEC_ID,
    created_id,
    dataflow,
    dataset,
    item,
    target_body,
)
from tests.support.wire import error_code


@pytest.fixture
def dataset_id(catalog: httpx.Client) -> str:
    return dataset(catalog)


def test_create_and_read(api: httpx.Client, dataset_id: str) -> None:
    target_id = created_id(api.post("/targetConnections", json=target_body(dataset_id)))
    target = item(api, f"/targetConnections/{target_id}")
    assert target["params"] == {"dataSetId": dataset_id}
    assert target["connectionSpec"] == {"id": DATA_LAKE_SPEC_ID, "version": "1.0"}
    assert target["state"] == "enabled"


def test_aepp_shape_without_schema_is_accepted(api: httpx.Client, dataset_id: str) -> None:
    body = {
        "name": "t",
        "description": "",
        "connectionSpec": {"id": DATA_LAKE_SPEC_ID, "version": "1.0"},
        "data": {"format": "parquet_xdm"},
        "params": {"dataSetId": dataset_id},
    }
    created_id(api.post("/targetConnections", json=body))


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"connectionSpec": {"id": "ecadc60c-7455-4d87-84dc-2a0e293d997b"}}, "1307-400"),
        ({"params": {}}, "1325-400"),
        ({"params": {"dataSetId": "0123456789abcdef01234567"}}, "1100-400"),
        ({"data": {"schema": {"id": "https://ns.adobe.com/other"}}}, "1425-400"),
        ({"data": {"format": "avro"}}, "1327-400"),
        ({"name": None}, "1304-400"),
    ],
    ids=["not-data-lake", "no-dataset", "unknown-dataset", "other-schema", "bad-format", "no-name"],
)
def test_bad_target_connections(
    api: httpx.Client, dataset_id: str, overrides: dict[str, Any], code: str
) -> None:
    body = {k: v for k, v in target_body(dataset_id, **overrides).items() if v is not None}
    response = api.post("/targetConnections", json=body)
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert api.get("/targetConnections", params={"count": "true"}).json() == {"count": 0}


def test_delete_in_use_is_1447(api: httpx.Client, catalog: httpx.Client) -> None:
    flow = dataflow(api, catalog)
    response = api.delete(f"/targetConnections/{flow.target_id}")
    assert error_code(response) == "1447-400"
    assert item(api, f"/targetConnections/{flow.target_id}")["id"] == flow.target_id


def test_filter_by_dataset(api: httpx.Client, catalog: httpx.Client, dataset_id: str) -> None:
    mine = created_id(api.post("/targetConnections", json=target_body(dataset_id)))
    created_id(api.post("/targetConnections", json=target_body(dataset(catalog, "other"))))
    found = api.get("/targetConnections", params={"property": f"params.dataSetId=={dataset_id}"})
    assert [i["id"] for i in found.json()["items"]] == [mine]
