"""The seed tutorial, as corrected (contract §8), over real HTTP against uvicorn."""

from __future__ import annotations

import re

import httpx

from tests.conftest import S3_SPEC_ID, s3_connection_body

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
QUOTED = re.compile(r'^"[^"]+"$')


def test_tutorial_create_refresh_session_token_and_read_back(api: httpx.Client) -> None:
    created = api.post(
        "/connections",
        json=s3_connection_body(
            s3AccessKey="AKIAEXAMPLE", s3SecretKey="secret-1", s3SessionToken="session-1"
        ),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert set(body) == {"id", "etag"}
    assert UUID.match(body["id"])
    assert QUOTED.match(body["etag"])
    assert created.headers["location"] == f"/data/foundation/flowservice/connections/{body['id']}"

    patched = api.patch(
        f"/connections/{body['id']}",
        headers={"If-Match": body["etag"]},
        json=[{"op": "replace", "path": "/auth/params/s3SessionToken", "value": "session-2"}],
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["id"] == body["id"]
    assert QUOTED.match(patched.json()["etag"])
    assert patched.json()["etag"] != body["etag"]

    read = api.get(f"/connections/{body['id']}")
    assert read.status_code == 200
    [connection] = read.json()["items"]
    assert connection["id"] == body["id"]
    assert connection["etag"] == connection["version"] == patched.json()["etag"]
    assert connection["connectionSpec"] == {"id": S3_SPEC_ID, "version": "1.0"}
    assert connection["state"] == "enabled"
    assert connection["auth"] == {
        "specName": "Access Key",
        "params": {
            "s3AccessKey": "AKIAEXAMPLE",
            "s3SecretKey": "********",
            "s3SessionToken": "********",
        },
    }
    assert connection["updatedAt"] > connection["createdAt"]


def test_connection_read_carries_every_contract_field(api: httpx.Client) -> None:
    created = api.post("/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b"))
    [connection] = api.get(f"/connections/{created.json()['id']}").json()["items"]
    assert set(connection) == {
        "id", "name", "description", "connectionSpec", "state", "auth", "createdAt",
        "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient", "sandboxId",
        "sandboxName", "imsOrgId", "version", "etag",
    }  # fmt: skip
    assert isinstance(connection["createdAt"], int)
    assert connection["createdAt"] > 1_600_000_000_000  # epoch milliseconds
    assert connection["sandboxName"] == "prod"
    assert connection["imsOrgId"] == api.headers["x-gw-ims-org-id"]
    assert connection["createdBy"] == connection["createdClient"] == api.headers["x-api-key"]


def test_trailing_slash_reaches_the_same_resource(api: httpx.Client) -> None:
    created = api.post("/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b"))
    response = api.get(f"/connections/{created.json()['id']}/")
    assert response.status_code == 200
    assert response.json()["items"][0]["id"] == created.json()["id"]


def test_delete_then_get_is_404(api: httpx.Client) -> None:
    created = api.post("/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b"))
    connection_id = created.json()["id"]
    deleted = api.delete(f"/connections/{connection_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    missing = api.get(f"/connections/{connection_id}")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("FLOW-1101-404")
    assert api.delete(f"/connections/{connection_id}").status_code == 404
