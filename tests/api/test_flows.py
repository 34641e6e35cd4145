"""``/flows`` (dataflows §6) over HTTP on both back ends: every create rule with its code, the
wire shape, PATCH rules, actions, deletes, filters, races and tenancy."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from tests.conftest import S3_SPEC_ID
from tests.support.dataflows import (
    DATA_LAKE_SPEC_ID,
    FLOW_SPEC_ID,
    Dataflow,
    base_connection,
    created_id,
    dataflow,
    dataset,
    flow_body,
    in_future,
    item,
    source_body,
    target_body,
)
from tests.support.live import LiveServer
from tests.support.tenants import new_tenant
from tests.support.wire import error_code


@pytest.fixture
def connections(api: httpx.Client, catalog: httpx.Client) -> tuple[str, str]:
    source = created_id(api.post("/sourceConnections", json=source_body(base_connection(api))))
    target = created_id(api.post("/targetConnections", json=target_body(dataset(catalog))))
    return source, target


@pytest.fixture
def flow(api: httpx.Client, catalog: httpx.Client) -> Dataflow:
    return dataflow(api, catalog)


def _flows(api: httpx.Client) -> int:
    return int(api.get("/flows", params={"count": "true"}).json()["count"])


def test_read_back_shape(api: httpx.Client, flow: Dataflow) -> None:
    got = item(api, f"/flows/{flow.flow_id}")
    assert got["state"] == "enabled"
    assert got["flowSpec"] == {"id": FLOW_SPEC_ID, "version": "1.0"}
    assert (got["sourceConnectionIds"], got["targetConnectionIds"]) == (
        [flow.source_id],
        [flow.target_id],
    )
    assert got["scheduleParams"]["interval"] == "15"  # echoed as sent: strings stay strings
    assert got["runs"] == f"/runs?property=flowId=={flow.flow_id}"
    inherited = got["inheritedAttributes"]
    assert inherited["properties"] == {"isSourceFlow": True}
    assert inherited["sourceConnections"][0]["baseConnection"] == {
        "id": flow.base_id,
        "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
    }
    assert inherited["targetConnections"][0]["connectionSpec"]["id"] == DATA_LAKE_SPEC_ID
    assert "lastRunDetails" not in got
    assert got["lastOperation"]["operation"] == "create"


def test_options_are_normalized_and_unknown_schedule_keys_kept(
    api: httpx.Client, connections: tuple[str, str]
) -> None:
    body = flow_body(
        *connections, options={"partialIngestionPercent": "10", "errorDiagnosticsEnabled": "true"}
    )
    body["scheduleParams"]["foldernameTemplate"] = "%DATASET_ID%"
    got = item(api, f"/flows/{created_id(api.post('/flows', json=body))}")
    assert got["options"] == {"partialIngestionPercent": 10, "errorDiagnosticsEnabled": True}
    assert got["scheduleParams"]["foldernameTemplate"] == "%DATASET_ID%"


def _mutate(body: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    for key, value in change.items():
        if key.startswith("schedule."):
            name = key.removeprefix("schedule.")
            if value is ...:
                body["scheduleParams"].pop(name, None)
            else:
                body["scheduleParams"][name] = value
        elif value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body


UNKNOWN = "00000000-0000-4000-8000-000000000000"
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("state", {"state": "enabled"}, "1410-400"),
    ("no-flow-spec", {"flowSpec": ...}, "1413-400"),
    ("unknown-flow-spec", {"flowSpec": {"id": UNKNOWN}}, "1413-400"),
    ("no-name", {"name": ...}, "1304-400"),
    ("no-sources", {"sourceConnectionIds": []}, "1338-400"),
    ("no-targets", {"targetConnectionIds": ...}, "1338-400"),
    ("two-sources", {"sourceConnectionIds": [UNKNOWN, UNKNOWN]}, "1321-400"),
    ("unknown-source", {"sourceConnectionIds": [UNKNOWN]}, "1100-400"),
    ("unknown-target", {"targetConnectionIds": [UNKNOWN]}, "1100-400"),
    ("no-schedule", {"scheduleParams": ...}, "1317-400"),
    ("empty-schedule", {"scheduleParams": {}}, "1317-400"),
    ("no-start", {"schedule.startTime": ...}, "1359-400"),
    ("past-start", {"schedule.startTime": "1597784298"}, "1360-400"),
    ("bad-frequency", {"schedule.frequency": "fortnight"}, "1397-400"),
    ("once-interval", {"schedule.frequency": "once"}, "1361-400"),
    ("once-backfill", {"schedule.frequency": "once", "schedule.interval": ...}, "1364-400"),
    ("no-interval", {"schedule.interval": ...}, "1359-400"),
    ("small-interval", {"schedule.interval": "14"}, "1362-400"),
    ("zero-hours", {"schedule.frequency": "hour", "schedule.interval": 0}, "1362-400"),
    ("text-interval", {"schedule.interval": "fifteen"}, "1312-400"),
    ("text-start", {"schedule.startTime": "soon"}, "1312-400"),
    ("text-backfill", {"schedule.backfill": "sometimes"}, "1312-400"),
    ("percent-zero", {"options": {"partialIngestionPercent": 0}}, "1312-400"),
    ("percent-over", {"options": {"partialIngestionPercent": 101}}, "1312-400"),
    ("diagnostics-text", {"options": {"errorDiagnosticsEnabled": "often"}}, "1312-400"),
    (
        "mapping-version",
        {
            "transformations": [
                {"name": "Mapping", "params": {"mappingId": "a" * 32, "mappingVersion": "x"}}
            ]
        },
        "1412-400",
    ),
    (
        "unknown-mapping",
        {
            "transformations": [
                {"name": "Mapping", "params": {"mappingId": "a" * 32, "mappingVersion": 0}}
            ]
        },
        "1100-400",
    ),
    ("unknown-field", {"colour": "red"}, "1106-400"),
]


@pytest.mark.parametrize(("change", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_create_rules_in_order_with_their_codes(
    api: httpx.Client, connections: tuple[str, str], change: dict[str, Any], code: str
) -> None:
    response = api.post("/flows", json=_mutate(flow_body(*connections), change))
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert _flows(api) == 0


def test_a_start_time_within_the_grace_is_accepted_and_once_needs_no_interval(
    api: httpx.Client, connections: tuple[str, str]
) -> None:
    schedule = {"startTime": int(time.time()) - 60, "frequency": "ONCE"}
    created_id(api.post("/flows", json=flow_body(*connections, scheduleParams=schedule)))


def test_a_target_of_the_wrong_spec_is_1307(
    api: httpx.Client, connections: tuple[str, str]
) -> None:
    source, _ = connections
    response = api.post("/flows", json=flow_body(source, source))
    assert error_code(response) in ("1100-400", "1307-400")


def test_mapping_transformation_with_a_null_name_is_a_mapping(
    api: httpx.Client, conversion: httpx.Client, connections: tuple[str, str]
) -> None:
    mapping = conversion.post(
        "/mappingSets",
        json={"mappings": [{"sourceType": "ATTRIBUTE", "source": "id", "destination": "id"}]},
    ).json()
    transformations = [{"name": None, "params": {"mappingId": mapping["id"], "mappingVersion": 0}}]
    flow_id = created_id(
        api.post("/flows", json=flow_body(*connections, transformations=transformations))
    )
    assert item(api, f"/flows/{flow_id}")["transformations"] == transformations


def _patch(api: httpx.Client, flow_id: str, ops: Any, etag: str | None = None) -> httpx.Response:
    etag = etag or item(api, f"/flows/{flow_id}")["etag"]
    return api.patch(f"/flows/{flow_id}", json=ops, headers={"if-match": etag})


def test_patch_schedule_name_and_options(api: httpx.Client, flow: Dataflow) -> None:
    response = _patch(
        api,
        flow.flow_id,
        [
            {"op": "replace", "path": "/scheduleParams/frequency", "value": "day"},
            {"op": "replace", "path": "/scheduleParams/interval", "value": 1},
            {"op": "replace", "path": "/name", "value": "Renamed"},
            {"op": "add", "path": "/options", "value": {"partialIngestionPercent": "10"}},
            {"op": "add", "path": "/options/errorDiagnosticsEnabled", "value": True},
            {"op": "add", "path": "/labels", "value": ["core/C12"]},
        ],
    )
    assert response.status_code == 200, response.text
    got = item(api, f"/flows/{flow.flow_id}")
    assert got["scheduleParams"]["frequency"] == "day"
    assert got["name"] == "Renamed"
    assert got["options"] == {"partialIngestionPercent": 10, "errorDiagnosticsEnabled": True}
    assert got["labels"] == ["core/C12"]
    assert got["lastOperation"]["operation"] == "update"
    assert got["lastOperation"]["ops"][0]["path"] == "/scheduleParams/frequency"


@pytest.mark.parametrize(
    ("op", "code"),
    [
        ({"op": "replace", "path": "/state", "value": "disabled"}, "1455-400"),
        ({"op": "replace", "path": "/flowSpec/id", "value": UNKNOWN}, "1455-400"),
        ({"op": "replace", "path": "/sourceConnectionIds/0", "value": UNKNOWN}, "1455-400"),
        ({"op": "replace", "path": "/scheduleParams/interval", "value": "5"}, "1362-400"),
        ({"op": "remove", "path": "/scheduleParams"}, "1317-400"),
        ({"op": "copy", "path": "/name", "from": "/description"}, "1434-400"),
    ],
)
def test_patch_refusals_change_nothing(
    api: httpx.Client, flow: Dataflow, op: dict[str, Any], code: str
) -> None:
    before = item(api, f"/flows/{flow.flow_id}")
    response = _patch(api, flow.flow_id, [op])
    assert response.status_code == 400, response.text
    assert error_code(response) == code
    assert item(api, f"/flows/{flow.flow_id}") == before


def test_schedule_rules_after_the_start_passed(
    api: httpx.Client, connections: tuple[str, str]
) -> None:
    started = {"startTime": str(int(time.time()) - 30), "frequency": "minute", "interval": "15"}
    flow_id = created_id(api.post("/flows", json=flow_body(*connections, scheduleParams=started)))
    for op, code in (
        (
            {"op": "replace", "path": "/scheduleParams/startTime", "value": str(in_future())},
            "1366-400",
        ),
        (
            {
                "op": "replace",
                "path": "/scheduleParams",
                "value": {"startTime": started["startTime"], "frequency": "once"},
            },
            "1403-400",
        ),
        ({"op": "add", "path": "/scheduleParams/backfill", "value": "false"}, "1404-400"),
    ):
        assert error_code(_patch(api, flow_id, [op])) == code


def test_missing_and_stale_if_match(api: httpx.Client, flow: Dataflow) -> None:
    op = [{"op": "replace", "path": "/name", "value": "x"}]
    assert error_code(api.patch(f"/flows/{flow.flow_id}", json=op)) == "1403-400"
    old = item(api, f"/flows/{flow.flow_id}")["etag"]
    assert _patch(api, flow.flow_id, op, old).status_code == 200
    assert error_code(_patch(api, flow.flow_id, op, old)) == "1404-412"


def test_racing_patches_with_one_etag_have_one_winner(api: httpx.Client, flow: Dataflow) -> None:
    etag = item(api, f"/flows/{flow.flow_id}")["etag"]
    statuses: list[int] = []

    def attempt(i: int) -> None:
        with httpx.Client(base_url=str(api.base_url), headers=api.headers) as client:
            response = client.patch(
                f"/flows/{flow.flow_id}",
                headers={"If-Match": etag},
                json=[{"op": "replace", "path": "/name", "value": f"n{i}"}],
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 7


def test_actions(api: httpx.Client, flow: Dataflow) -> None:
    url = f"/flows/{flow.flow_id}/action"
    disabled = api.post(url, params={"op": "DISABLE"})
    assert disabled.status_code == 200, disabled.text
    assert item(api, f"/flows/{flow.flow_id}")["state"] == "disabled"
    again = api.post(url, params={"op": "disable"})
    assert again.status_code == 200
    assert again.json()["etag"] != disabled.json()["etag"]
    assert api.post(url, params={"op": "enable"}).status_code == 200
    got = item(api, f"/flows/{flow.flow_id}")
    assert (got["state"], got["lastOperation"]["operation"]) == ("enabled", "enable")
    assert error_code(api.post(url, params={"op": "publish"})) == "1398-400"
    assert error_code(api.post(url)) == "1359-400"
    assert (
        error_code(api.post(url, params={"op": "enable"}, headers={"If-Match": '"stale"'}))
        == "1404-412"
    )


def test_unknown_flow_is_1439_404(api: httpx.Client) -> None:
    response = api.get(f"/flows/{UNKNOWN}")
    assert response.status_code == 404
    assert error_code(response) == "1439-404"
    assert response.json()["report"]["type"] == "flows"
    assert error_code(api.post(f"/flows/{UNKNOWN}/action", params={"op": "enable"})) == "1439-404"


def test_delete_then_404_and_the_base_connection_is_free_again(
    api: httpx.Client, flow: Dataflow
) -> None:
    assert error_code(api.delete(f"/connections/{flow.base_id}")) == "1418-400"
    assert api.delete(f"/flows/{flow.flow_id}").status_code == 204
    assert api.get(f"/flows/{flow.flow_id}").status_code == 404
    assert api.delete(f"/connections/{flow.base_id}").status_code == 204


def test_filters_and_paging(api: httpx.Client, catalog: httpx.Client) -> None:
    flows = [dataflow(api, catalog, name=f"flow-{i}") for i in range(3)]

    def ids(**params: Any) -> list[str]:
        response = api.get("/flows", params=params)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert ids(property=f"sourceConnectionIds[]=={flows[1].source_id}") == [flows[1].flow_id]
    assert len(ids(property="inheritedAttributes.properties.isSourceFlow==true")) == 3
    spec = f"inheritedAttributes.targetConnections[].connectionSpec.id=={DATA_LAKE_SPEC_ID}"
    assert len(ids(property=spec)) == 3
    assert ids(property="state==enabled", orderby="name") == [f.flow_id for f in flows]
    pages, params = [], {"limit": "2", "count": "False", "property": "state==enabled"}
    response = api.get("/flows", params=params).json()
    while True:
        pages.append([i["id"] for i in response["items"]])
        if not response["_links"]:
            break
        token = response["_links"]["next"]["href"].split("=")[1]  # aepp's way
        response = api.get("/flows", params={**params, "continuationToken": token}).json()
    assert [len(p) for p in pages] == [2, 1]
    assert {i for p in pages for i in p} == {f.flow_id for f in flows}


def test_another_org_sees_nothing(live: LiveServer, api: httpx.Client, flow: Dataflow) -> None:
    stranger = new_tenant(live.services.db)
    with httpx.Client(base_url=str(api.base_url), headers=stranger.headers()) as other:
        assert other.get(f"/flows/{flow.flow_id}").status_code == 404
        assert other.get("/flows", params={"count": "true"}).json() == {"count": 0}
        assert other.delete(f"/flows/{flow.flow_id}").status_code == 404
        assert other.post("/runs", json={"flowId": flow.flow_id}).status_code == 400
    assert item(api, f"/flows/{flow.flow_id}")["id"] == flow.flow_id
