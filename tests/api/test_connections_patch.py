"""PATCH /connections/{id}: JSON Patch, If-Match, the contract's decisions, concurrency."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from tests.conftest import s3_connection_body
from tests.support.live import LiveServer
from tests.support.tenants import TenantCredentials
from tests.support.wire import error_code


@pytest.fixture
def created(api: httpx.Client) -> dict[str, Any]:
    body = s3_connection_body(s3AccessKey="key", s3SecretKey="secret-A", bucketName="acme-data")
    response = api.post("/connections", json=body)
    assert response.status_code == 201
    result: dict[str, Any] = response.json()
    return result


def _patch(
    api: httpx.Client, created: dict[str, Any], ops: Any, etag: str | None = None
) -> httpx.Response:
    headers = {"If-Match": etag if etag is not None else created["etag"]}
    return api.patch(f"/connections/{created['id']}", json=ops, headers=headers)


def _read(api: httpx.Client, created: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = api.get(f"/connections/{created['id']}").json()["items"][0]
    return item


def test_replace_name_description_state(api: httpx.Client, created: dict[str, Any]) -> None:
    ops = [
        {"op": "REPLACE", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/description", "value": "now described"},
        {"op": "Replace", "path": "/state", "value": "Disabled"},
    ]
    response = _patch(api, created, ops)
    assert response.status_code == 200, response.text
    item = _read(api, created)
    assert (item["name"], item["description"], item["state"]) == (
        "renamed",
        "now described",
        "disabled",
    )
    assert item["etag"] == response.json()["etag"]


def test_single_operation_object_is_accepted(api: httpx.Client, created: dict[str, Any]) -> None:
    response = _patch(api, created, {"op": "replace", "path": "/name", "value": "solo"})
    assert response.status_code == 200
    assert _read(api, created)["name"] == "solo"


@pytest.mark.parametrize("etag", ["quoted", "unquoted", "weak"])
def test_if_match_forms(api: httpx.Client, created: dict[str, Any], etag: str) -> None:
    bare = created["etag"].strip('"')
    value = {"quoted": created["etag"], "unquoted": bare, "weak": f'W/"{bare}"'}[etag]
    assert (
        _patch(api, created, [{"op": "replace", "path": "/name", "value": "x"}], value).status_code
        == 200
    )


@pytest.mark.parametrize("position", ["first", "last"])
def test_if_match_list_succeeds_when_one_etag_is_current(
    api: httpx.Client, created: dict[str, Any], position: str
) -> None:
    others = ['"00000000-0000-4000-8000-000000000000"', 'W/"11111111-1111-4111-8111-111111111111"']
    etags = [created["etag"], *others] if position == "first" else [*others, created["etag"]]
    ops = [{"op": "replace", "path": "/name", "value": "listed"}]
    response = _patch(api, created, ops, ", ".join(etags))
    assert response.status_code == 200, response.text
    assert _read(api, created)["name"] == "listed"


def test_if_match_list_with_no_current_etag_is_1404_412(
    api: httpx.Client, created: dict[str, Any]
) -> None:
    listed = '"00000000-0000-4000-8000-000000000000", "11111111-1111-4111-8111-111111111111"'
    response = _patch(api, created, [{"op": "replace", "path": "/name", "value": "x"}], listed)
    assert response.status_code == 412, response.text
    assert error_code(response) == "1404-412"
    assert _read(api, created)["name"] == "Amazon S3 base connection"


def test_patch_removing_the_bucket_of_a_folder_path_is_refused(api: httpx.Client) -> None:
    params = {"s3AccessKey": "k", "s3SecretKey": "s", "bucketName": "acme", "folderPath": "in/"}
    created = api.post("/connections", json=s3_connection_body(**params)).json()
    response = _patch(api, created, [{"op": "remove", "path": "/auth/params/bucketName"}])
    assert response.status_code == 400, response.text
    assert "'folderPath' needs 'bucketName'" in response.json()["errorMessage"]
    assert _read(api, created)["auth"]["params"]["bucketName"] == "acme"


def test_missing_if_match_is_1403(api: httpx.Client, created: dict[str, Any]) -> None:
    response = api.patch(
        f"/connections/{created['id']}", json=[{"op": "replace", "path": "/name", "value": "x"}]
    )
    assert response.status_code == 400
    assert error_code(response) == "1403-400"


def test_stale_etag_is_1404_412_and_changes_nothing(
    api: httpx.Client, created: dict[str, Any]
) -> None:
    assert (
        _patch(api, created, [{"op": "replace", "path": "/name", "value": "first"}]).status_code
        == 200
    )
    response = _patch(api, created, [{"op": "replace", "path": "/name", "value": "second"}])
    assert response.status_code == 412
    assert error_code(response) == "1404-412"
    assert created["etag"].strip('"') in response.json()["errorMessage"]
    assert _read(api, created)["name"] == "first"


def test_replace_of_unset_session_token_acts_as_add(
    api: httpx.Client, created: dict[str, Any]
) -> None:
    ops = [{"op": "replace", "path": "/auth/params/s3SessionToken", "value": "tok"}]
    assert _patch(api, created, ops).status_code == 200
    assert _read(api, created)["auth"]["params"]["s3SessionToken"] == "********"


def test_remove_optional_param(api: httpx.Client, created: dict[str, Any]) -> None:
    assert (
        _patch(api, created, [{"op": "remove", "path": "/auth/params/bucketName"}]).status_code
        == 200
    )
    assert "bucketName" not in _read(api, created)["auth"]["params"]


def test_echoing_the_mask_keeps_the_secret(
    live: LiveServer, api: httpx.Client, created: dict[str, Any], tenant: TenantCredentials
) -> None:
    params = _read(api, created)["auth"]["params"]
    params["folderPath"] = "incoming/"
    assert (
        _patch(
            api, created, [{"op": "replace", "path": "/auth/params", "value": params}]
        ).status_code
        == 200
    )
    opened = live.services.connections.open(_tenant_of(live, tenant), created["id"])
    assert opened.params["s3SecretKey"] == "secret-A"
    assert opened.params["folderPath"] == "incoming/"


def test_new_secret_value_is_stored(
    live: LiveServer, api: httpx.Client, created: dict[str, Any], tenant: TenantCredentials
) -> None:
    assert (
        _patch(
            api,
            created,
            [{"op": "replace", "path": "/auth/params/s3SecretKey", "value": "secret-B"}],
        ).status_code
        == 200
    )
    opened = live.services.connections.open(_tenant_of(live, tenant), created["id"])
    assert opened.params["s3SecretKey"] == "secret-B"


@pytest.mark.parametrize(
    ("ops", "code"),
    [
        ([{"op": "move", "from": "/name", "path": "/description"}], "1434-400"),
        ([{"op": "copy", "from": "/name", "path": "/description"}], "1434-400"),
        ([{"op": "test", "path": "/name", "value": "x"}], "1434-400"),
        ([{"op": "replace", "path": "/connectionSpec/id", "value": "x"}], "1414-400"),
        ([{"op": "replace", "path": "/id", "value": "x"}], "1455-400"),
        ([{"op": "replace", "path": "/etag", "value": "x"}], "1455-400"),
        ([{"op": "replace", "path": "/createdAt", "value": 1}], "1455-400"),
        ([{"op": "replace", "path": "/imsOrgId", "value": "x"}], "1455-400"),
        ([{"op": "replace", "path": "/auth/specName", "value": "IAM Role"}], "1455-400"),
        ([{"op": "replace", "path": "/name"}], "1455-400"),
        ([{"op": "replace", "path": "/name", "value": ""}], "1455-400"),
        ([{"op": "replace", "path": "/state", "value": "paused"}], "1455-400"),
        ([{"op": "remove", "path": "/auth/params/s3SecretKey"}], "1455-400"),
        ([{"op": "remove", "path": "/auth/params/nothere"}], "1455-400"),
        ([{"op": "add", "path": "/auth/params/region", "value": "eu"}], "1455-400"),
        ([{"op": "replace", "path": "/auth/params/bucketName", "value": "Bad_Bucket"}], "1455-400"),
        (
            [{"op": "replace", "path": "/auth/params/serviceUrl", "value": "file:///etc/passwd"}],
            "1455-400",
        ),
        ([], "1455-400"),
        (["replace"], "1455-400"),
        ({"path": "/name"}, "1455-400"),
    ],
)
def test_invalid_patches_change_nothing(
    api: httpx.Client, created: dict[str, Any], ops: Any, code: str
) -> None:
    before = _read(api, created)
    response = _patch(api, created, ops)
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert _read(api, created) == before


def test_operations_apply_all_or_none(api: httpx.Client, created: dict[str, Any]) -> None:
    ops = [
        {"op": "replace", "path": "/name", "value": "applied?"},
        {"op": "remove", "path": "/auth/params/s3AccessKey"},
    ]
    assert _patch(api, created, ops).status_code == 400
    assert _read(api, created)["name"] == "Amazon S3 base connection"


def test_concurrent_patches_with_one_etag_exactly_one_wins(
    api: httpx.Client, created: dict[str, Any]
) -> None:
    workers = 12
    barrier = threading.Barrier(workers)
    statuses: list[int] = [0] * workers
    winners: list[str] = []
    losers: list[str] = []

    def attempt(i: int) -> None:
        with httpx.Client(
            base_url=str(api.base_url), headers=dict(api.headers), timeout=60
        ) as client:
            barrier.wait()
            response = client.patch(
                f"/connections/{created['id']}",
                json=[{"op": "replace", "path": "/description", "value": f"writer-{i}"}],
                headers={"If-Match": created["etag"]},
            )
            statuses[i] = response.status_code
            if response.status_code == 200:
                winners.append(f"writer-{i}")
            else:
                losers.append(error_code(response))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * (workers - 1)
    assert losers == ["1404-412"] * (workers - 1)
    assert _read(api, created)["description"] == winners[0]  # no lost update


def _tenant_of(live: LiveServer, tenant: TenantCredentials) -> Any:
    return live.services.authenticator.authenticate(
        f"Bearer {tenant.access_token}", tenant.api_key, tenant.org_id, "prod"
    )
