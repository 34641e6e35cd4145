"""Hostile input found by fuzzing: each case once gave a 500 or leaked a secret. Now each is a
clear 4xx (or a failed test step) on both back ends, and changes nothing."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import pytest

from tests.conftest import s3_connection_body
from tests.support.wire import error_code


def _token(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


@pytest.fixture
def created(api: httpx.Client) -> dict[str, Any]:
    response = api.post("/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b"))
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/connections/a%00b"),
        ("DELETE", "/connections/a%00b"),
        ("GET", "/connections/a%00b/test"),
        ("GET", "/connections/a%00b/explore?objectType=root"),
        ("GET", "/connections/not-a-uuid"),
    ],
)
def test_ids_that_cannot_exist_are_404(api: httpx.Client, method: str, path: str) -> None:
    response = api.request(method, path)
    assert response.status_code == 404
    assert error_code(response) == "1101-404"


@pytest.mark.parametrize(
    "params",
    [
        {"property": "name==a\x00b"},
        {"property": "id==x,\x00"},
        {"property": "createdAt>99999999999999999999999"},
        {"property": "createdAt==9223372036854775808"},
        {"property": "updatedAt<-9223372036854775809", "count": "true"},
        {"property": "createdAt>²"},
        {"continuationToken": _token('{"p":[],"o":"-createdAt","l":1e999,"k":[1,"x"]}')},
        {"continuationToken": _token("[" * 2000 + "]" * 2000)},
        {"continuationToken": _token('{"p":[],"o":"-createdAt","l":5,"k":[' + "9" * 30 + ',"x"]}')},
        {"continuationToken": _token('{"p":[],"o":"name","l":5,"k":["a\\u0000","x"]}')},
        {"continuationToken": _token('{"p":[],"o":"name","l":5,"k":["a","x\\u0000"]}')},
    ],
)
def test_list_values_the_store_cannot_hold_are_1452(
    api: httpx.Client, params: dict[str, str]
) -> None:
    response = api.get("/connections", params=params)
    assert response.status_code == 400, response.text
    assert error_code(response) == "1452-400"


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "body",
    [
        {**s3_connection_body(s3AccessKey="a", s3SecretKey="b"), "name": "a\x00b"},
        {**s3_connection_body(s3AccessKey="a", s3SecretKey="b"), "description": "\x00"},
        s3_connection_body(s3AccessKey="a", s3SecretKey=_nested(40)),
        s3_connection_body(s3AccessKey="a", s3SecretKey="DEEP"),
    ],
    ids=["nul-name", "nul-description", "nested-40", "nested-1000"],
)
def test_bodies_with_nul_or_deep_nesting_are_refused(
    api: httpx.Client, body: dict[str, Any]
) -> None:
    # 1,000 levels: deeper than Python's json can write, within what the JSON parser accepts.
    content = json.dumps(body).replace('"DEEP"', "[" * 1000 + "1" + "]" * 1000)
    response = api.post(
        "/connections", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert error_code(response) == "1106-400"
    assert api.get("/connections", params={"count": "true"}).json() == {"count": 0}


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/name", "value": "a\x00"}],
        [{"op": "replace", "path": "/name", "value": _nested(200)}],
        [{"op": "replace", "path": "/auth/params/s3SessionToken", "value": "tok\r\nX-Evil: 1"}],
    ],
    ids=["nul", "nested", "crlf-secret"],
)
def test_patches_with_hostile_values_change_nothing(
    api: httpx.Client, created: dict[str, Any], ops: Any
) -> None:
    before = api.get(f"/connections/{created['id']}").json()
    response = api.patch(
        f"/connections/{created['id']}", content=json.dumps(ops),
        headers={"If-Match": created["etag"], "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 400, response.text
    assert api.get(f"/connections/{created['id']}").json() == before


@pytest.mark.parametrize("param", ["s3SessionToken", "s3AccessKey", "s3SecretKey", "folderPath"])
def test_line_breaks_in_auth_params_are_refused_without_echo(
    api: httpx.Client, param: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    params = {"s3AccessKey": "a", "s3SecretKey": "b", param: "SECRET-CRLF-9\r\nX-Evil: 1"}
    response = api.post("/connections", json=s3_connection_body(**params))
    assert response.status_code == 400
    assert error_code(response) == "1305-400"
    assert param in response.json()["errorMessage"]
    assert "SECRET-CRLF-9" not in response.text
    assert "SECRET-CRLF-9" not in caplog.text


@pytest.mark.parametrize(
    "url",
    [
        "https://xn--.com/",
        "https://s3.zz-\U0001f600-1.amazonaws.com/",
        "https://s3.example.com/p?q=1#f",
    ],
)
def test_service_urls_botocore_would_refuse_are_refused_at_create(
    api: httpx.Client, url: str
) -> None:
    response = api.post(
        "/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b", serviceUrl=url)
    )
    assert response.status_code == 400, response.text
    assert error_code(response) == "1305-400"


@pytest.mark.parametrize("limit", ["\u00b2", "9" * 5000, "-1", "1e3"])
def test_explore_limit_must_be_a_plain_positive_integer(
    api: httpx.Client, created: dict[str, Any], limit: str
) -> None:
    response = api.get(
        f"/connections/{created['id']}/explore", params={"objectType": "root", "limit": limit}
    )
    assert response.status_code == 400
    assert error_code(response) == "1452-400"


def test_unreachable_aws_is_a_failed_step_not_a_500(api: httpx.Client) -> None:
    # No serviceUrl: the bucket's region is looked up on AWS, which this sandbox cannot reach
    # (and which would refuse these keys if it could): either way the test fails cleanly.
    body = s3_connection_body(s3AccessKey="AKIAEXAMPLE", s3SecretKey="x", bucketName="some-bucket")
    connection_id = api.post("/connections", json=body).json()["id"]
    response = api.get(f"/connections/{connection_id}/test")
    assert response.status_code == 200, response.text
    assert response.json()["result"] is False


def test_method_not_allowed_names_the_allowed_methods(api: httpx.Client) -> None:
    response = api.put("/connections")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"  # every method of the path, not one route's
    assert error_code(response) == "1100-405"
