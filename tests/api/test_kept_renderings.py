"""List pages answer kept renderings only while they are true (flowservice.resources.rendered).

Every list is read once first, so its renderings are kept; after each kind of write the list
must show exactly what a read by id shows. The module has a server of its own: a test claims
runs from the queue, which must hold only this module's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from flowservice.resources.rendered import RenderedRows, UnversionedWrite
from flowservice.runs import queue
from flowservice.runs.service import RUNS
from tests.conftest import own_server
from tests.support.databases import BACKENDS
from tests.support.dataflows import Dataflow, created_id, dataflow, item
from tests.support.live import LiveServer

LISTED = ("/connections", "/sourceConnections", "/targetConnections", "/flows", "/runs")


def listed(api: httpx.Client, path: str) -> dict[str, dict[str, Any]]:
    response = api.get(path, params={"limit": 100})
    assert response.status_code == 200, response.text
    return {found["id"]: found for found in response.json()["items"]}


def assert_lists_show_reads(api: httpx.Client) -> None:
    for path in LISTED:
        for resource_id, found in listed(api, path).items():
            assert found == item(api, f"{path}/{resource_id}"), path


@pytest.fixture(scope="module", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from own_server(request, tmp_path_factory)


@pytest.fixture
def flow(api: httpx.Client, catalog: httpx.Client) -> Dataflow:
    return dataflow(api, catalog)


def test_lists_show_every_edit(api: httpx.Client, flow: Dataflow) -> None:
    assert_lists_show_reads(api)  # now kept
    flow_etag = item(api, f"/flows/{flow.flow_id}")["etag"]
    patched = api.patch(
        f"/flows/{flow.flow_id}",
        headers={"If-Match": flow_etag},
        json=[{"op": "replace", "path": "/name", "value": "renamed"}],
    )
    assert patched.status_code == 200, patched.text
    api.post(f"/flows/{flow.flow_id}/action", params={"op": "disable"})
    assert listed(api, "/flows")[flow.flow_id]["name"] == "renamed"
    assert listed(api, "/flows")[flow.flow_id]["state"] == "disabled"
    assert_lists_show_reads(api)


def test_a_claimed_run_is_listed_in_progress(
    live: LiveServer, api: httpx.Client, flow: Dataflow
) -> None:
    run_id = created_id(api.post("/runs", json={"flowId": flow.flow_id}))
    before = listed(api, "/runs")[run_id]
    assert before["metrics"]["statusSummary"]["status"] == "scheduled"
    held = queue.claim(live.services.db, "test-worker", 60_000)
    assert held is not None
    assert held.run_id == run_id
    after = listed(api, "/runs")[run_id]
    assert after["metrics"]["statusSummary"]["status"] == "inProgress"
    assert after["etag"] != before["etag"]
    assert queue.heartbeat(live.services.db, held, 60_000)  # the lease only: same etag
    assert listed(api, "/runs")[run_id] == after
    assert_lists_show_reads(api)


def test_a_deleted_row_leaves_the_list(api: httpx.Client, flow: Dataflow) -> None:
    listed(api, "/targetConnections")
    api.delete(f"/flows/{flow.flow_id}")
    assert api.delete(f"/targetConnections/{flow.target_id}").status_code == 204
    assert flow.target_id not in listed(api, "/targetConnections")


def test_a_write_of_a_shown_column_without_a_new_etag_is_refused(
    live: LiveServer, api: httpx.Client, flow: Dataflow
) -> None:
    run_id = created_id(api.post("/runs", json={"flowId": flow.flow_id}))
    t = RUNS.table
    with pytest.raises(UnversionedWrite, match="state"), live.services.db.write() as session:
        session.execute(update(t).where(t.c.id == run_id).values(state="failed"))
    with live.services.db.read() as connection:
        assert connection.execute(select(t.c.state).where(t.c.id == run_id)).scalar() == "scheduled"
    with live.services.db.write() as session:  # unshown columns alone, or with a new etag
        session.execute(update(t).where(t.c.id == run_id).values(not_before=0))
        session.execute(update(t).where(t.c.id == run_id).values(state="failed", etag="e"))


def test_kept_renderings_stay_within_their_budget() -> None:
    kept = RenderedRows(budget=10)
    kept.keep("prod", "a", "1", b"12345")
    kept.keep("prod", "b", "1", b"12345")
    assert kept.get_all("prod", [("a", "1"), ("b", "1"), ("b", "2")]) == [b"12345", b"12345", None]
    kept.keep("prod", "c", "1", b"1")  # over budget: the oldest goes
    assert kept.get_all("prod", [("a", "1"), ("b", "1"), ("c", "1")]) == [None, b"12345", b"1"]
    assert kept.get_all("dev", [("b", "1")]) == [None]
    assert len(kept) == 2
