"""Catalog ``/dataSets`` and ``/batches`` (dataflows §9) over HTTP, on both back ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from deltalake import DeltaTable

from tests.support.live import LiveServer
from tests.support.tenants import TenantCredentials, new_tenant
from tests.support.wire import error_code

SCHEMA_REF = {
    "id": "https://ns.adobe.com/acme/schemas/719c4e19184402c27595e65b931a142b",
    "contentType": "application/vnd.adobe.xed+json;version=1",
}


def _create(catalog: httpx.Client, **body: Any) -> str:
    response = catalog.post("/dataSets", json={"name": "Loyalty", "schemaRef": SCHEMA_REF, **body})
    assert response.status_code == 201, response.text
    [ref] = response.json()
    assert ref.startswith("@/dataSets/")
    dataset_id: str = ref.rsplit("/", 1)[1]
    assert response.headers["location"] == f"/data/foundation/catalog/dataSets/{dataset_id}"
    return dataset_id


def _get(catalog: httpx.Client, dataset_id: str) -> dict[str, Any]:
    response = catalog.get(f"/dataSets/{dataset_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert list(body) == [dataset_id]
    return body[dataset_id]  # type: ignore[no-any-return]


def test_create_then_read_as_a_map_keyed_by_id(catalog: httpx.Client) -> None:
    dataset_id = _create(catalog, tags={"team": ["growth"]})
    assert len(dataset_id) == 24
    dataset = _get(catalog, dataset_id)
    assert dataset["name"] == "Loyalty"
    assert dataset["schemaRef"] == SCHEMA_REF
    assert dataset["tags"] == {"adobe/pqs/table": ["loyalty"], "team": ["growth"]}
    assert dataset["classification"]["dataBehavior"] == "record"
    assert dataset["version"] == "1.0.0"
    assert dataset["files"] == f"@/dataSetFiles?dataSetId={dataset_id}"
    assert "id" not in dataset
    assert dataset["imsOrg"] == catalog.headers["x-gw-ims-org-id"]


def test_aepp_style_create_with_file_description(catalog: httpx.Client) -> None:
    body = {
        "fileDescription": {"persisted": True, "containerFormat": "parquet", "format": "parquet"},
        "tags": {},
    }
    response = catalog.post("/dataSets", params={"requestDataSource": "False"},
                            json={"name": "aepp set", "schemaRef": SCHEMA_REF, **body})  # fmt: skip
    assert response.status_code == 201, response.text


def test_inline_schema_creates_the_delta_table(live: LiveServer, catalog: httpx.Client) -> None:
    schema = {"fields": [
        {"name": "id", "type": "long", "nullable": False},
        {"name": "amount", "type": "decimal(10,2)"},
        {"name": "at", "type": "timestamp"},
    ]}  # fmt: skip
    dataset_id = _create(catalog, schema=schema)
    dataset = _get(catalog, dataset_id)
    assert dataset["schema"]["fields"][1] == {
        "name": "amount",
        "type": "decimal(10,2)",
        "nullable": True,
    }
    tenant_table = next(Path(live.settings.resolved_home, "lake").rglob(dataset_id))
    table = DeltaTable(str(tenant_table))
    names = [f.name for f in table.schema().fields]
    assert names == ["id", "amount", "at"]
    preview = catalog.get(f"/dataSets/{dataset_id}/preview").json()
    assert preview == {
        "columns": [
            {"name": "id", "type": "int64"},
            {"name": "amount", "type": "decimal128(10, 2)"},
            {"name": "at", "type": "timestamp[us, tz=UTC]"},
        ],
        "data": [],
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"schemaRef": SCHEMA_REF}, "1106-400"),
        ({"name": "x"}, "1304-400"),
        ({"name": "x", "schemaRef": SCHEMA_REF, "colour": "red"}, "1106-400"),
        ({"name": "x", "schema": {"fields": []}}, "1106-400"),
        ({"name": "x", "schema": {"fields": [{"name": "a", "type": "blob"}]}}, "1106-400"),
        (
            {
                "name": "x",
                "schema": {
                    "fields": [{"name": "a", "type": "long"}, {"name": "A", "type": "long"}]
                },
            },
            "1106-400",
        ),
    ],
    ids=["no-name", "no-schema", "unknown-field", "empty-schema", "bad-type", "duplicate-column"],
)
def test_bad_creates_are_400_with_a_cat_code_and_store_nothing(
    catalog: httpx.Client, body: dict[str, Any], code: str
) -> None:
    before = catalog.get("/dataSets").json()
    response = catalog.post("/dataSets", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["type"].startswith("https://ns.adobe.com/aep/errors/CAT-")
    assert error_code(response) == code
    assert catalog.get("/dataSets").json() == before


def test_unknown_dataset_is_404_with_status_in_the_body(catalog: httpx.Client) -> None:
    response = catalog.get("/dataSets/0123456789abcdef01234567")
    assert response.status_code == 404
    assert response.json()["status"] == 404
    assert catalog.get("/dataSets/not-an-id").status_code == 404


def test_offset_paging_and_an_empty_map_past_the_end(catalog: httpx.Client) -> None:
    ids = [_create(catalog, name=f"set-{i}") for i in range(5)]
    first = catalog.get("/dataSets", params={"limit": "2"}).json()
    second = catalog.get("/dataSets", params={"limit": "2", "start": "2"}).json()
    third = catalog.get("/dataSets", params={"limit": "2", "start": "4"}).json()
    assert [*first, *second, *third] == ids
    assert catalog.get("/dataSets", params={"limit": "2", "start": "6"}).json() == {}


def test_filters_order_and_properties(catalog: httpx.Client) -> None:
    alpha, beta = _create(catalog, name="alpha"), _create(catalog, name="beta")
    assert list(catalog.get("/dataSets", params={"name": "beta"}).json()) == [beta]
    assert alpha not in catalog.get("/dataSets", params={"name": "!alpha"}).json()
    assert list(catalog.get("/dataSets", params={"orderBy": "desc:name"}).json()) == [beta, alpha]
    assert list(catalog.get("/dataSets", params={"property": "name~^al"}).json()) == [alpha]
    shaped = catalog.get("/dataSets", params={"properties": "name"}).json()
    assert shaped == {alpha: {"name": "alpha"}, beta: {"name": "beta"}}
    one = catalog.get(f"/dataSets/{alpha}", params={"properties": "name,tags"}).json()
    assert set(one[alpha]) == {"name", "tags"}


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"start": "-1"}]
)
def test_bad_paging_is_400(catalog: httpx.Client, params: dict[str, str]) -> None:
    response = catalog.get("/dataSets", params=params)
    assert response.status_code == 400, response.text
    assert error_code(response) == "1452-400"


def test_patch_name_description_tags_bumps_the_version(catalog: httpx.Client) -> None:
    dataset_id = _create(catalog)
    ops = [
        {"op": "replace", "path": "/name", "value": "Renamed"},
        {"op": "add", "path": "/description", "value": "now described"},
        {"op": "add", "path": "/tags/owner", "value": ["ann"]},
    ]
    headers = {"Content-Type": "application/json-patch+json"}
    response = catalog.patch(f"/dataSets/{dataset_id}", json=ops, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == [f"@/dataSets/{dataset_id}"]
    dataset = _get(catalog, dataset_id)
    assert (dataset["name"], dataset["description"]) == ("Renamed", "now described")
    assert dataset["tags"]["owner"] == ["ann"]
    assert dataset["version"] == "1.0.1"


@pytest.mark.parametrize("path", ["/schemaRef", "/version", "/classification/dataBehavior"])
def test_patch_elsewhere_is_400_and_changes_nothing(catalog: httpx.Client, path: str) -> None:
    dataset_id = _create(catalog)
    response = catalog.patch(
        f"/dataSets/{dataset_id}", json=[{"op": "replace", "path": path, "value": "x"}]
    )
    assert response.status_code == 400, response.text
    assert error_code(response) == "1455-400"
    assert _get(catalog, dataset_id)["version"] == "1.0.0"


def test_delete_answers_the_reference_then_404_and_unknown_is_an_empty_list(
    catalog: httpx.Client,
) -> None:
    dataset_id = _create(catalog)
    response = catalog.delete(f"/dataSets/{dataset_id}")
    assert (response.status_code, response.json()) == (200, [f"@/dataSets/{dataset_id}"])
    assert catalog.get(f"/dataSets/{dataset_id}").status_code == 404
    assert catalog.delete(f"/dataSets/{dataset_id}").json() == []


def test_another_org_or_sandbox_sees_nothing(live: LiveServer, catalog: httpx.Client) -> None:
    dataset_id = _create(catalog)
    other: TenantCredentials = new_tenant(live.services.db)
    with httpx.Client(base_url=str(catalog.base_url), headers=other.headers()) as stranger:
        assert stranger.get(f"/dataSets/{dataset_id}").status_code == 404
        assert stranger.get("/dataSets").json() == {}
        assert stranger.delete(f"/dataSets/{dataset_id}").json() == []
    assert _get(catalog, dataset_id)["name"] == "Loyalty"


def test_batches_list_and_get(
    live: LiveServer, catalog: httpx.Client, tenant: TenantCredentials
) -> None:
    from flowservice.datasets.ids import new_batch_id
    from tests.support.tenants import tenant_of

    dataset_id = _create(catalog)
    batch_id = new_batch_id()
    live.services.batches.create(tenant_of(live.services.db, tenant), {
        "id": batch_id, "dataset_id": dataset_id, "status": "failed",
        "document": {"tags": {"flowId": ["f"]}, "errors": []},
    })  # fmt: skip
    assert len(batch_id) == 26
    listed = catalog.get("/batches", params={"dataSet": dataset_id, "status": "failed"}).json()
    assert list(listed) == [batch_id]
    batch = catalog.get(f"/batches/{batch_id}").json()[batch_id]
    assert batch["id"] == batch_id
    assert batch["relatedObjects"] == [{"type": "dataSet", "id": dataset_id}]
    assert {"created", "sandboxId", "tags", "errors"} <= set(batch)
    assert catalog.get("/batches", params={"status": "success", "dataSet": dataset_id}).json() == {}
    assert catalog.get("/batches/01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404
