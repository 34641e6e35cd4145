"""Building a dataflow over HTTP in tests: base connection → source → dataset → target → flow."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.conftest import S3_SPEC_ID, s3_connection_body

FLOW_SPEC_ID = "9753525b-82c7-4dce-8a9b-5ccfce2b9876"
DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
SCHEMA_REF = {
    "id": "https://ns.adobe.com/acme/schemas/995dabbea86d58e346ff91bd8aa741a9f36f29b1019138d4",
    "contentType": "application/vnd.adobe.xed+json;version=1",
}


def created_id(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def base_connection(api: httpx.Client, **params: str) -> str:
    body = s3_connection_body(
        s3AccessKey="AKIDEXAMPLE",
        s3SecretKey="secret",
        serviceUrl="http://127.0.0.1:9",
        bucketName="acme",
        **params,
    )
    return created_id(api.post("/connections", json=body))


def source_body(base_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Cloud Storage source connection",
        "baseConnectionId": base_id,
        "data": {
            "format": "delimited",
            "properties": {"columnDelimiter": ",", "encoding": "UTF-8"},
        },
        "params": {"path": "/acme/summer/*.csv", "type": "folder"},
        "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
    }
    return body | overrides


def dataset(catalog: httpx.Client, name: str = "Accounts") -> str:
    response = catalog.post("/dataSets", json={"name": name, "schemaRef": SCHEMA_REF})
    assert response.status_code == 201, response.text
    return str(response.json()[0].rsplit("/", 1)[1])


def target_body(dataset_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Target Connection for a Cloud Storage connector",
        "data": {
            "schema": {
                "id": SCHEMA_REF["id"],
                "version": "application/vnd.adobe.xed-full+json;version=1",
            }
        },
        "params": {"dataSetId": dataset_id},
        "connectionSpec": {"id": DATA_LAKE_SPEC_ID, "version": "1.0"},
    }
    return body | overrides


def in_future(seconds: int = 3600) -> int:
    return int(time.time()) + seconds


def flow_body(source_id: str, target_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Cloud Storage flow to Platform",
        "description": "Cloud Storage flow to Platform",
        "flowSpec": {"id": FLOW_SPEC_ID, "version": "1.0"},
        "sourceConnectionIds": [source_id],
        "targetConnectionIds": [target_id],
        "scheduleParams": {
            "startTime": str(in_future()),
            "frequency": "minute",
            "interval": "15",
            "backfill": "true",
        },
    }
    return body | overrides


@dataclass(frozen=True)
class Dataflow:
    base_id: str
    source_id: str
    dataset_id: str
    target_id: str
    flow_id: str


def dataflow(api: httpx.Client, catalog: httpx.Client, **flow: Any) -> Dataflow:
    base_id = base_connection(api)
    source_id = created_id(api.post("/sourceConnections", json=source_body(base_id)))
    dataset_id = dataset(catalog)
    target_id = created_id(api.post("/targetConnections", json=target_body(dataset_id)))
    flow_id = created_id(api.post("/flows", json=flow_body(source_id, target_id, **flow)))
    return Dataflow(base_id, source_id, dataset_id, target_id, flow_id)


def item(api: httpx.Client, path: str) -> dict[str, Any]:
    response = api.get(path)
    assert response.status_code == 200, response.text
    [found] = response.json()["items"]
    return found  # type: ignore[no-any-return]
