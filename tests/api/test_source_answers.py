"""What the API answers when the source is not a well-behaved S3 server (a web page, a server
that never answers, a host name that does not resolve), and how attempts and the deadline bound
every request that talks to a source."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings, s3_connection_body
from tests.support.live import live_server
from tests.support.not_s3 import black_hole, web_site
from tests.support.tenants import new_tenant
from tests.support.wire import error_code

KEYS = {"s3AccessKey": "AKIDEXAMPLE", "s3SecretKey": "not-a-real-secret"}


def _connect(api: httpx.Client, **params: str) -> str:
    response = api.post("/connections", json=s3_connection_body(**KEYS, **params))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _failed_steps(api: httpx.Client, connection_id: str) -> list[dict[str, str]]:
    response = api.get(f"/connections/{connection_id}/test")
    assert response.status_code == 200, response.text
    assert response.json()["result"] is False
    return [s for s in response.json()["steps"] if s["outcome"] == "failed"]


@contextmanager
def _app(folder: Path, **settings: object) -> Iterator[httpx.Client]:
    """An app of its own (SQLite) with the given settings, and a client for a new tenant."""
    url = f"sqlite:///{folder / 'flowservice.db'}"
    with live_server(make_settings(folder, url, **settings), "sqlite") as server:
        headers = new_tenant(server.services.db).headers()
        with httpx.Client(base_url=server.api_url, headers=headers, timeout=120) as client:
            yield client


# -- an endpoint that is a web site -----------------------------------------------------------


@pytest.mark.parametrize("bucket", [{}, {"bucketName": "some-bucket"}], ids=["account", "bucket"])
def test_connection_test_against_a_web_page_fails_saying_it_does_not_speak_s3(
    api: httpx.Client, bucket: dict[str, str]
) -> None:
    with web_site() as url:
        connection_id = _connect(api, serviceUrl=url, **bucket)
        failed = _failed_steps(api, connection_id)
    assert [(s["name"], s["code"]) for s in failed] == [("credentials", "1391-400")]
    assert "does not speak S3" in failed[0]["message"]
    assert "HTML page" in failed[0]["message"]


@pytest.mark.parametrize(
    ("params", "query"),
    [
        ({}, {"objectType": "root"}),
        ({"bucketName": "some-bucket"}, {"objectType": "root"}),
        ({"bucketName": "some-bucket"}, {"objectType": "folder", "object": "/some-bucket/in/"}),
    ],
    ids=["buckets", "bucket-root", "folder"],
)
def test_explore_of_a_web_page_is_1391_not_an_empty_listing(
    api: httpx.Client, params: dict[str, str], query: dict[str, str]
) -> None:
    with web_site() as url:
        connection_id = _connect(api, serviceUrl=url, **params)
        response = api.get(f"/connections/{connection_id}/explore", params=query)
    assert response.status_code == 400, response.text
    assert error_code(response) == "1391-400"
    assert "does not speak S3" in response.json()["errorMessage"]


# -- a host name that does not resolve --------------------------------------------------------


def test_a_host_name_that_does_not_resolve_is_1390_naming_it(api: httpx.Client) -> None:
    connection_id = _connect(api, serviceUrl="https://no-such-host.invalid", bucketName="b-1")
    failed = _failed_steps(api, connection_id)
    assert [(s["name"], s["code"]) for s in failed] == [("credentials", "1390-400")]
    assert "no-such-host.invalid" in failed[0]["message"]
    response = api.get(f"/connections/{connection_id}/explore", params={"objectType": "root"})
    assert response.status_code == 400, response.text
    assert error_code(response) == "1390-400"
    assert "no-such-host.invalid does not resolve" in response.json()["errorMessage"]


# -- attempts and deadlines, against a server that accepts and never answers -----------------


@pytest.mark.parametrize("attempts", [1, 2])
def test_source_max_attempts_counts_every_try(tmp_path: Path, attempts: int) -> None:
    with (
        black_hole() as hole,
        _app(tmp_path, source_read_timeout=0.5, source_max_attempts=attempts) as api,
    ):
        connection_id = _connect(api, serviceUrl=hole.url, bucketName="b-1")
        response = api.get(f"/connections/{connection_id}/explore", params={"objectType": "root"})
        assert response.status_code == 504, response.text
        assert error_code(response) == "1381-504"
        assert hole.connections == attempts


def test_connection_test_makes_at_most_two_attempts_per_call(tmp_path: Path) -> None:
    with black_hole() as hole, _app(tmp_path, source_max_attempts=5, test_timeout=4) as api:
        connection_id = _connect(api, serviceUrl=hole.url, bucketName="b-1")
        failed = _failed_steps(api, connection_id)
        assert [(s["name"], s["code"]) for s in failed] == [("credentials", "1381-504")]
        assert hole.connections == 2


def test_the_deadline_bounds_a_request_however_many_attempts_remain(tmp_path: Path) -> None:
    # Without the deadline this explore waits 3 attempts x 30 s; with it, about 3 s. The bound
    # checked is far from both, so only a missing deadline fails it. (On a cold start building
    # the S3 client can take most of the deadline, so no attempt may even start: still bounded.)
    settings = {"source_read_timeout": 30, "source_max_attempts": 3, "source_deadline": 3}
    with black_hole() as hole, _app(tmp_path, **settings) as api:
        connection_id = _connect(api, serviceUrl=hole.url, bucketName="b-1")
        started = time.monotonic()
        response = api.get(f"/connections/{connection_id}/explore", params={"objectType": "root"})
        elapsed = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert error_code(response) == "1381-504"
    assert elapsed < 20
    assert hole.connections <= 1
