"""POST /connections: bad input gets a clear 4xx in the contract's shape, and nothing is stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import S3_SPEC_ID, s3_connection_body
from tests.support.wire import error_code


def _stored(api: httpx.Client) -> int:
    return int(api.get("/connections", params={"count": "true"}).json()["count"])


def _with(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return body


VALID = {"s3AccessKey": "a", "s3SecretKey": "b"}

CASES = [
    ("missing-name", "name", ..., "1106-400", "name"),
    ("empty-name", "name", "", "1106-400", "name"),
    ("name-not-string", "name", 42, "1106-400", "name"),
    ("unknown-field", "colour", "blue", "1106-400", "colour"),
    ("missing-spec-id", "connectionSpec.id", ..., "1106-400", "connectionSpec.id"),
    (
        "unknown-spec",
        "connectionSpec.id",
        "00000000-0000-4000-8000-000000000000",
        "1413-400",
        "00000000",
    ),
    ("unknown-spec-version", "connectionSpec.version", "9.9", "1413-400", "9.9"),
    ("unknown-auth-spec", "auth.specName", "Password", "1415-400", "Password"),
    ("missing-secret", "auth.params.s3SecretKey", ..., "1304-400", "s3SecretKey"),
    ("unknown-param", "auth.params.region", "eu", "1305-400", "region"),
    ("param-wrong-type", "auth.params.s3AccessKey", 7, "1305-400", "s3AccessKey"),
    ("bucket-uppercase", "auth.params.bucketName", "My-Bucket", "1305-400", "bucketName"),
    ("bucket-short", "auth.params.bucketName", "ab", "1305-400", "bucketName"),
    ("bucket-ip", "auth.params.bucketName", "192.168.1.10", "1305-400", "bucketName"),
    ("bucket-dash-end", "auth.params.bucketName", "bucket-", "1305-400", "bucketName"),
    ("service-url-ftp", "auth.params.serviceUrl", "ftp://example.com", "1305-400", "serviceUrl"),
    ("params-not-object", "auth.params", ["a"], "1106-400", "auth.params"),
    ("folder-without-bucket", "auth.params.folderPath", "in/", "1305-400", "'bucketName'"),
]


@pytest.mark.parametrize(
    ("path", "value", "code", "named"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_invalid_create_is_rejected_and_nothing_is_stored(
    api: httpx.Client, path: str, value: Any, code: str, named: str
) -> None:
    before = _stored(api)
    body = _with(s3_connection_body(**VALID), path, value)
    response = api.post("/connections", json=body)
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert named in response.json()["errorMessage"]
    assert _stored(api) == before


def test_schema_errors_never_echo_a_secret_value(api: httpx.Client) -> None:
    body = s3_connection_body(s3AccessKey="a", s3SecretKey="")
    response = api.post("/connections", json=body)
    assert response.status_code == 400
    body = s3_connection_body(s3AccessKey="a", s3SecretKey=["TOP-SECRET-VALUE"])  # type: ignore[arg-type]
    response = api.post("/connections", json=body)
    assert response.status_code == 400
    assert "TOP-SECRET-VALUE" not in response.text


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (
            b'{"name": "x", "auth": {"params": {"s3SecretKey": "abc}}',
            "application/json",
            400,
            "1405-400",
        ),
        (b"", "application/json", 400, "1405-400"),
        (b"null", "application/json", 400, "1405-400"),
        (b"[1, 2]", "application/json", 400, "1106-400"),
        (b'{"name": "x"}', "text/plain", 415, "1004-415"),
        (b'{"name": "x"}', "", 415, "1004-415"),
    ],
    ids=["tutorial-broken-json", "empty", "null", "array", "text-plain", "no-content-type"],
)
def test_malformed_bodies(
    api: httpx.Client, content: bytes, content_type: str, status: int, code: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.post("/connections", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert error_code(response) == code


def test_body_over_one_mebibyte_is_413(api: httpx.Client) -> None:
    body = s3_connection_body(**VALID)
    body["description"] = "x" * (1024 * 1024)
    response = api.post("/connections", json=body)
    assert response.status_code == 413
    assert error_code(response) == "1005-413"
    assert _stored(api) == 0


def test_spec_version_defaults_to_latest_and_enums_match_any_case(api: httpx.Client) -> None:
    body = s3_connection_body(**VALID)
    body["connectionSpec"] = {"id": S3_SPEC_ID.upper()}
    body["auth"]["specName"] = "access key"  # type: ignore[index]
    created = api.post("/connections", json=body)
    assert created.status_code == 201, created.text
    [connection] = api.get(f"/connections/{created.json()['id']}").json()["items"]
    assert connection["connectionSpec"] == {"id": S3_SPEC_ID, "version": "1.0"}
    assert connection["auth"]["specName"] == "Access Key"


def test_optional_params_are_kept(api: httpx.Client) -> None:
    params = {
        **VALID,
        "bucketName": "acme-data",
        "folderPath": "/in/",
        "serviceUrl": "https://s3.us-west-2.amazonaws.com/",
    }
    created = api.post("/connections", json=s3_connection_body(**params))
    assert created.status_code == 201, created.text
    [connection] = api.get(f"/connections/{created.json()['id']}").json()["items"]
    assert connection["auth"]["params"] == {**params, "s3SecretKey": "********"}
