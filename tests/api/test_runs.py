"""``/runs`` (dataflows §7) over HTTP: ad-hoc runs, their record, lists and filters."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.dataflows import Dataflow, dataflow, item
from tests.support.wire import error_code


@pytest.fixture
def flow(api: httpx.Client, catalog: httpx.Client) -> Dataflow:
    return dataflow(api, catalog)


def test_post_answers_both_shapes_and_the_run_is_scheduled(
    api: httpx.Client, flow: Dataflow
) -> None:
    response = api.post("/runs", json={"flowId": flow.flow_id, "status": "active"})  # aepp's body
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["items"] == [{"id": body["id"], "etag": body["etag"]}]
    run = item(api, f"/runs/{body['id']}")
    assert run["flowId"] == flow.flow_id
    assert run["metrics"]["statusSummary"] == {"status": "scheduled", "errors": []}
    assert run["activities"] == []
    assert run["flowSpec"]["id"] == "9753525b-82c7-4dce-8a9b-5ccfce2b9876"


def test_params_in_seconds_or_milliseconds(api: httpx.Client, flow: Dataflow) -> None:
    now = int(time.time())
    params = {
        "startTime": str(now),
        "windowStartTime": str(now - 3600),
        "windowEndTime": (now - 60) * 1000,
    }
    assert api.post("/runs", json={"flowId": flow.flow_id, "params": params}).status_code == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "1446-400"),
        ({"flowId": "00000000-0000-4000-8000-000000000000"}, "1430-400"),
        (
            {
                "flowId": "{flow}",
                "params": {"windowStartTime": "1651585991", "windowEndTime": "1651584991"},
            },
            "1381-400",
        ),
        ({"flowId": "{flow}", "params": {}}, "1384-400"),
        ({"flowId": "{flow}", "params": {"startTime": "soon"}}, "1384-400"),
    ],
    ids=["no-flow", "unknown-flow", "reversed-window", "empty-params", "bad-params"],
)
def test_bad_runs(api: httpx.Client, flow: Dataflow, body: dict[str, object], code: str) -> None:
    if body.get("flowId") == "{flow}":
        body = {**body, "flowId": flow.flow_id}
    response = api.post("/runs", json=body)
    assert response.status_code == 400, response.text
    assert error_code(response) == code


def test_a_disabled_flow_takes_no_run(api: httpx.Client, flow: Dataflow) -> None:
    api.post(f"/flows/{flow.flow_id}/action", params={"op": "disable"})
    assert error_code(api.post("/runs", json={"flowId": flow.flow_id})) == "1444-400"


def test_lists_filters_and_the_flow_alias(
    api: httpx.Client, catalog: httpx.Client, flow: Dataflow
) -> None:
    other = dataflow(api, catalog)
    mine = [api.post("/runs", json={"flowId": flow.flow_id}).json()["id"] for _ in range(3)]
    api.post("/runs", json={"flowId": other.flow_id})
    listed = api.get(
        "/runs", params={"property": f"flowId=={flow.flow_id}", "limit": "2", "count": "False"}
    ).json()
    assert [r["id"] for r in listed["items"]] == mine[::-1][:2]  # newest first
    token = listed["_links"]["next"]["href"].split("=")[1]
    rest = api.get("/runs", params={"continuationToken": token}).json()
    assert [r["id"] for r in rest["items"]] == [mine[0]]
    assert rest["_links"] == {}
    alias = api.get(f"/flows/{flow.flow_id}/runs").json()
    assert [r["id"] for r in alias["items"]] == mine[::-1]
    scheduled = api.get(
        "/runs",
        params={
            "property": ["metrics.statusSummary.status==Scheduled", f"flowId=={other.flow_id}"]
        },
    )
    assert len(scheduled.json()["items"]) == 1
    assert api.get(
        "/runs", params={"property": "metrics.statusSummary.status==failed", "count": "true"}
    ).json() == {"count": 0}


def test_deleting_the_flow_fails_its_active_runs_which_stay_readable(
    api: httpx.Client, flow: Dataflow
) -> None:
    run_id = api.post("/runs", json={"flowId": flow.flow_id}).json()["id"]
    assert api.delete(f"/flows/{flow.flow_id}").status_code == 204
    run = item(api, f"/runs/{run_id}")
    assert run["metrics"]["statusSummary"]["status"] == "failed"
    assert run["metrics"]["statusSummary"]["errors"][0]["code"] == "CONNECTOR-1001-500"
    assert [
        r["id"]
        for r in api.get("/runs", params={"property": f"flowId=={flow.flow_id}"}).json()["items"]
    ] == [run_id]


def test_unknown_run_is_404(api: httpx.Client) -> None:
    assert api.get("/runs/00000000-0000-4000-8000-000000000000").status_code == 404
