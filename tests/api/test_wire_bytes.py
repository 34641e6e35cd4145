"""The exact bytes of the hot endpoints' responses, against a recording made before they were tuned.

A fixed sequence of requests (create, read, list, page, patch, errors, a flow and its run) runs
against the live app; status, the headers a client reads and the body bytes are compared with
``wire_bytes.json``. Values that differ on every run by nature (ids, etags, timestamps, paging
tokens) are replaced by numbered placeholders in order of first appearance, so key order,
spacing, escaping, header values and every other byte still count. Both back ends must give the
same recording.

``FLOWSERVICE_RECORD_WIRE=1`` rewrites the recording (only when a change of the wire is meant).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import s3_connection_body
from tests.support.dataflows import (
    base_connection,
    created_id,
    dataset,
    flow_body,
    source_body,
    target_body,
)
from tests.support.live import LiveServer
from tests.support.tenants import TenantCredentials

RECORDING = Path(__file__).with_name("wire_bytes.json")
HEADERS = ("content-type", "content-length", "etag", "location", "x-request-id")
START_TIME = "4102444800"  # 2100-01-01: a schedule start that is fixed and always ahead
_VARYING = (
    ("uuid", re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")),
    ("token", re.compile(r"(?<=continuationToken=)[A-Za-z0-9_\-%=.]+")),
    ("ms", re.compile(r"(?<![0-9])1[0-9]{12}(?![0-9])")),
    ("org", re.compile(r"[A-Z0-9]{24}@AdobeOrg")),
    ("client", re.compile(r"fs-[0-9a-f]{32}")),
    ("dataset", re.compile(r"(?<![0-9a-f])[0-9a-f]{24}(?![0-9a-f])")),
)
# Two timestamps may fall in the same millisecond in one run and not the next: not numbered.
_UNNUMBERED = frozenset({"ms", "token"})


class Normalizer:
    """Each distinct varying value becomes ``<kind-n>``, numbered in order of first appearance."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        for kind, pattern in _VARYING:
            text = pattern.sub(lambda m, k=kind: self._name(k, m.group(0)), text)
        return text

    def _name(self, kind: str, value: str) -> str:
        if kind in _UNNUMBERED:
            return f"<{kind}>"
        if value not in self.seen:
            count = sum(1 for name in self.seen.values() if name.startswith(f"<{kind}-"))
            self.seen[value] = f"<{kind}-{count + 1}>"
        return self.seen[value]


class Recorder:
    def __init__(self, api: httpx.Client, root: str) -> None:
        self.api, self.root = api, root
        self.normalize = Normalizer()
        self.exchanges: list[dict[str, Any]] = []

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        number = len(self.exchanges) + 1
        headers = {"x-request-id": f"wire-{number}", **kwargs.pop("headers", {})}
        target = self.root + path if path.startswith("/data/") else path  # another API's path
        response = self.api.request(method, target, headers=headers, **kwargs)
        self.exchanges.append({
            "request": f"{method} {self.normalize(path)}",
            "status": response.status_code,
            "headers": {
                name: self.normalize(response.headers[name])
                for name in HEADERS if name in response.headers
            },
            "body": self.normalize(response.content.decode()),
        })  # fmt: skip
        return response


def _exchanges(api: httpx.Client, root: str) -> list[dict[str, Any]]:
    call = Recorder(api, root)
    catalog = "/data/foundation/catalog"
    base_id = base_connection(api)
    second = s3_connection_body(s3AccessKey="AKIDEXAMPLE", s3SecretKey="s", bucketName="second")
    second_id = created_id(call("POST", "/connections", json=second))
    call("GET", f"/connections/{base_id}")
    first_page = call("GET", "/connections?limit=1")
    call("GET", str(first_page.json()["_links"]["next"]["href"]))
    call("GET", "/connections?limit=50")
    call("GET", "/connections?count=true")
    call("GET", "/connections?property=name==Amazon%20S3%20base%20connection&orderby=-createdAt")
    etag = call("GET", f"/connections/{second_id}").headers["etag"]
    ops = [{"op": "replace", "path": "/description", "value": 'a "quoted" café'}]
    call("PATCH", f"/connections/{second_id}", json=ops, headers={"If-Match": etag})
    call("PATCH", f"/connections/{second_id}", json=ops, headers={"If-Match": etag})
    call("GET", f"/connections/{second_id}")
    call("GET", "/connections/00000000-0000-4000-8000-000000000000")
    call("GET", "/connections/not-an-id")
    call("GET", "/connections?limit=zero")
    call("GET", "/connections", headers={"Authorization": "Bearer wrong"})
    call("POST", "/connections", content=b"{", headers={"Content-Type": "application/json"})

    source_id = created_id(call("POST", "/sourceConnections", json=source_body(base_id)))
    catalog_client = httpx.Client(base_url=root + catalog, headers=api.headers)
    dataset_id = dataset(catalog_client)
    target_id = created_id(call("POST", "/targetConnections", json=target_body(dataset_id)))
    schedule = {"startTime": START_TIME, "frequency": "hour", "interval": "1"}
    body = flow_body(source_id, target_id, scheduleParams=schedule)
    flow_id = created_id(call("POST", "/flows", json=body))
    call("GET", f"/sourceConnections/{source_id}")
    call("GET", f"/targetConnections/{target_id}")
    call("GET", f"/flows/{flow_id}")
    call("GET", "/flows?limit=50")
    call("GET", f"{catalog}/dataSets/{dataset_id}")
    run = call("POST", "/runs", json={"flowId": flow_id})
    run_id = str(run.json()["id"])
    call("GET", f"/runs/{run_id}")
    call("GET", f"/runs?property=flowId=={flow_id}")
    call("GET", f"/flows/{flow_id}/runs")
    call("GET", "/runs/00000000-0000-4000-8000-000000000000")
    catalog_client.close()
    return call.exchanges


def test_responses_are_byte_for_byte_the_recorded_ones(
    live: LiveServer, api: httpx.Client, tenant: TenantCredentials
) -> None:
    exchanges = _exchanges(api, live.root_url)
    if os.environ.get("FLOWSERVICE_RECORD_WIRE") == "1":
        RECORDING.write_text(json.dumps(exchanges, indent=1, ensure_ascii=False) + "\n")
    recorded = json.loads(RECORDING.read_text())
    for got, want in zip(exchanges, recorded, strict=True):
        assert got == want, got["request"]
