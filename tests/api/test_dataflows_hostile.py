"""Hostile input on the dataflow resources (schemathesis found no 500 in 4,346 cases; these are
the hand-made ones): never a 500, always the problem shape, and nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.dataflows import Dataflow, dataflow

SHAPES: list[Any] = [
    [],
    "x",
    1,
    {"a": [[[]]]},
    {"name": "\x00"},
    {"name": 5},
    {"name": "n", "data": "x"},
]
FLOW_SPEC = {"id": "9753525b-82c7-4dce-8a9b-5ccfce2b9876"}


@pytest.fixture
def flow(api: httpx.Client, catalog: httpx.Client) -> Dataflow:
    return dataflow(api, catalog)


def _counts(api: httpx.Client) -> list[int]:
    return [
        api.get(f"/{r}", params={"count": "true"}).json()["count"]
        for r in ("sourceConnections", "targetConnections", "flows", "runs")
    ]


@pytest.mark.parametrize("path", ["/sourceConnections", "/targetConnections", "/flows", "/runs"])
def test_bodies_of_the_wrong_shape_are_4xx(api: httpx.Client, flow: Dataflow, path: str) -> None:
    before = _counts(api)
    for body in SHAPES:
        response = api.post(path, json=body)
        assert 400 <= response.status_code < 500, (body, response.text)
        assert response.json()["type"].startswith("https://ns.adobe.com/aep/errors/FLOW-")
    assert _counts(api) == before


@pytest.mark.parametrize(
    "schedule",
    [
        {"startTime": 1e300, "frequency": "minute", "interval": 15},
        {"startTime": "9" * 30, "frequency": "minute", "interval": 15},
        {"startTime": 2**70, "frequency": "minute", "interval": 15},
        {"startTime": 9999999999, "frequency": ["minute"], "interval": 15},
        {"startTime": 9999999999, "frequency": "minute", "interval": True},
        {"startTime": True, "frequency": "once"},
        {"startTime": 9999999999, "frequency": "minute", "interval": 15, "backfill": 5},
    ],
)
def test_schedules_that_are_not_numbers_are_400(
    api: httpx.Client, flow: Dataflow, schedule: dict[str, Any]
) -> None:
    body = {
        "name": "x",
        "flowSpec": FLOW_SPEC,
        "sourceConnectionIds": [flow.source_id],
        "targetConnectionIds": [flow.target_id],
        "scheduleParams": schedule,
    }
    response = api.post("/flows", json=body)
    assert response.status_code == 400, response.text
    assert _counts(api)[2] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"flowId": 5},
        {"flowId": ["x"]},
        {"flowId": "{flow}", "params": {"startTime": "9" * 40}},
        {"flowId": "{flow}", "params": []},
        {"flowId": "{flow}", "params": {"windowStartTime": 1e30}},
    ],
)
def test_runs_with_hostile_bodies_are_400(
    api: httpx.Client, flow: Dataflow, body: dict[str, Any]
) -> None:
    filled = {k: (flow.flow_id if v == "{flow}" else v) for k, v in body.items()}
    response = api.post("/runs", json=filled)
    assert response.status_code == 400, response.text
    assert _counts(api)[3] == 0


@pytest.mark.parametrize(
    "query",
    [
        {"property": "a.b[].c==\x00"},
        {"property": "sourceConnectionIds[][]==x"},
        {"orderby": "state"},
        {"property": "[]==x"},
        {"limit": "9" * 30},
    ],
)
def test_hostile_list_queries_are_400(
    api: httpx.Client, flow: Dataflow, query: dict[str, str]
) -> None:
    for resource in ("flows", "runs", "sourceConnections"):
        response = api.get(f"/{resource}", params=query)
        assert response.status_code == 400, (resource, response.text)


@pytest.mark.parametrize(
    "query",
    [{"start": "9" * 30}, {"orderBy": "desc:"}, {"property": "name~("}, {"createdAfter": "-1"}],
)
def test_hostile_catalog_queries_are_400(catalog: httpx.Client, query: dict[str, str]) -> None:
    for resource in ("dataSets", "batches"):
        response = catalog.get(f"/{resource}", params=query)
        assert response.status_code == 400, (resource, response.text)


@pytest.mark.parametrize("resource", ["sourceConnections", "targetConnections", "flows", "runs"])
def test_ids_with_a_nul_byte_are_404(api: httpx.Client, resource: str) -> None:
    for method in ("GET", "DELETE", "PATCH"):
        response = api.request(method, f"/{resource}/a%00b", json=[], headers={"If-Match": "*"})
        assert response.status_code in (404, 405), (method, response.text)
