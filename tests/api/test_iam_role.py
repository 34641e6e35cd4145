"""The "IAM Role" auth spec end to end: create over HTTP, then test and explore with the service's
own AWS identity assuming the role through (moto's) STS."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import S3_SPEC_ID
from tests.support.s3servers import EXTERNAL_ID, SCOPED_BUCKET, S3Server

pytestmark = pytest.mark.s3


def _role_body(server: S3Server, **params: str) -> dict[str, object]:
    assert server.role_arn is not None
    auth = {"roleArn": server.role_arn, "serviceUrl": server.endpoint_url, **params}
    return {
        "name": "S3 via role",
        "auth": {"specName": "IAM Role", "params": auth},
        "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
    }


def test_role_connection_tests_and_explores(api: httpx.Client, service_identity: S3Server) -> None:
    service_identity.put_objects(SCOPED_BUCKET, {"allowed/role.csv": b"a,b\n1,2\n"})
    body = _role_body(service_identity, externalId=EXTERNAL_ID, bucketName=SCOPED_BUCKET)
    created = api.post("/connections", json=body)
    assert created.status_code == 201, created.text
    connection_id = created.json()["id"]
    [read] = api.get(f"/connections/{connection_id}").json()["items"]
    assert read["auth"]["params"]["externalId"] == "********"
    report = api.get(f"/connections/{connection_id}/test").json()
    assert report["result"] is True, report
    preview = api.get(
        f"/connections/{connection_id}/explore",
        params={"objectType": "file", "object": f"/{SCOPED_BUCKET}/allowed/role.csv",
                "fileType": "delimited", "preview": "true"},
    )  # fmt: skip
    assert preview.status_code == 200, preview.text
    assert preview.json()["data"] == [{"a": 1, "b": 2}]


def test_role_with_wrong_external_id_fails_the_test(
    api: httpx.Client, service_identity: S3Server
) -> None:
    body = _role_body(service_identity, externalId="not-the-one", bucketName=SCOPED_BUCKET)
    connection_id = api.post("/connections", json=body).json()["id"]
    report = api.get(f"/connections/{connection_id}/test").json()
    assert report["result"] is False
    assert report["steps"][0]["code"] == "1361-403"


def test_role_arn_must_look_like_one(api: httpx.Client, service_identity: S3Server) -> None:
    response = api.post("/connections", json=_role_body(service_identity, roleArn="my-role"))
    assert response.status_code == 400
    assert "roleArn" in response.json()["errorMessage"]
