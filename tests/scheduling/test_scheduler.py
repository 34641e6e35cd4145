"""The scheduler (dataflows §7.1): one run per slot however many replicas tick, no pile-up while a
run is active, missed slots collapsed into one, windows from slot to slot.

Ticks are given the time, so a test walks a schedule hours ahead without waiting. The module has
a server of its own (ticks plan every flow of the store), with its scheduler on to show that
the serving process schedules by itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from flowservice.flows.tables import FLOWS
from flowservice.resources.updates import new_etag
from flowservice.runs.service import RUNS
from flowservice.scheduling.scheduler import tick
from flowservice.storage.db import Database
from tests.conftest import own_server
from tests.support.databases import BACKENDS
from tests.support.dataflows import dataflow, in_future, item
from tests.support.live import LiveServer
from tests.support.replicas import at_once

PERIOD = 15 * 60  # the flows' schedule: every 15 minutes


@pytest.fixture(scope="module", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    yield from own_server(request, tmp_path_factory, scheduler=True, scheduler_poll_seconds=0.2)


@pytest.fixture
def db(live: LiveServer) -> Database:
    return live.services.db


def new_flow(api: httpx.Client, catalog: httpx.Client, start: int, **schedule: Any) -> str:
    params = {"startTime": str(start), "frequency": "minute", "interval": "15", **schedule}
    return dataflow(api, catalog, scheduleParams=params).flow_id


def runs_of(db: Database, flow_id: str) -> list[dict[str, Any]]:
    r = RUNS.table
    with db.read() as connection:
        rows = connection.execute(
            select(r.c.seq, r.c.trigger, r.c.state, r.c.window_start, r.c.window_end)
            .where(r.c.flow_id == flow_id)
            .order_by(r.c.seq)
        )
        return [dict(row._mapping) for row in rows]


def next_run_at(db: Database, flow_id: str) -> int | None:
    t = FLOWS.table
    with db.read() as connection:
        return connection.execute(select(t.c.next_run_at).where(t.c.id == flow_id)).scalar()


def finish_runs(db: Database, flow_id: str) -> None:
    r = RUNS.table
    with db.write() as session:
        session.execute(
            update(r)
            .where(r.c.flow_id == flow_id, r.c.state == "scheduled")
            .values(state="success", etag=new_etag())
        )


def at(seconds: int) -> int:
    return seconds * 1000


def test_one_run_per_slot_and_none_while_one_is_active(
    db: Database, api: httpx.Client, catalog: httpx.Client
) -> None:
    start = in_future(600)
    flow_id = new_flow(api, catalog, start)
    assert next_run_at(db, flow_id) == at(start)
    tick(db, at(start - 1))
    assert runs_of(db, flow_id) == []
    tick(db, at(start))
    tick(db, at(start) + 500)  # the same slot again: nothing
    assert runs_of(db, flow_id) == [
        {"seq": 1, "trigger": "schedule", "state": "scheduled",
         "window_start": None, "window_end": at(start)},
    ]  # fmt: skip
    assert next_run_at(db, flow_id) == at(start + PERIOD)
    tick(db, at(start + PERIOD))  # the first run is still active: this slot is skipped
    assert len(runs_of(db, flow_id)) == 1
    assert next_run_at(db, flow_id) == at(start + 2 * PERIOD)
    finish_runs(db, flow_id)
    tick(db, at(start + 2 * PERIOD + 10))
    second = runs_of(db, flow_id)[1]
    assert (second["window_start"], second["window_end"]) == (at(start), at(start + 2 * PERIOD))
    newest, first = api.get(f"/flows/{flow_id}/runs").json()["items"]  # on the wire, newest first
    assert newest["metrics"]["statusSummary"]["status"] == "scheduled"
    assert first["metrics"]["statusSummary"]["status"] == "success"


def test_missed_slots_collapse_into_one_run(
    db: Database, api: httpx.Client, catalog: httpx.Client
) -> None:
    start = in_future(600)
    flow_id = new_flow(api, catalog, start, backfill="false")
    tick(db, at(start))
    finish_runs(db, flow_id)
    tick(db, at(start + 10 * PERIOD + 5))  # ten slots came while no scheduler ran
    runs = runs_of(db, flow_id)
    assert [(r["window_start"], r["window_end"]) for r in runs] == [
        (at(start), at(start)),  # without backfill the first window starts at the start time
        (at(start), at(start + 10 * PERIOD)),
    ]
    assert next_run_at(db, flow_id) == at(start + 11 * PERIOD)


def test_replicas_ticking_at_once_make_each_slot_once(
    live: LiveServer, db: Database, api: httpx.Client, catalog: httpx.Client
) -> None:
    start = in_future(600)
    flows = [new_flow(api, catalog, start) for _ in range(4)]
    done = at_once(db.url, 4, lambda each, _index: tick(each, at(start)))
    assert sum(d.made for d in done) >= len(flows)  # other modules' flows are not in this store
    for flow_id in flows:
        assert [r["seq"] for r in runs_of(db, flow_id)] == [1]


def test_a_disabled_flow_gets_no_run_and_enable_resumes_at_the_next_slot(
    db: Database, api: httpx.Client, catalog: httpx.Client
) -> None:
    start = in_future(600)
    flow_id = new_flow(api, catalog, start)
    assert api.post(f"/flows/{flow_id}/action", params={"op": "disable"}).status_code == 200
    tick(db, at(start + 5 * PERIOD))
    assert runs_of(db, flow_id) == []
    assert api.post(f"/flows/{flow_id}/action", params={"op": "enable"}).status_code == 200
    assert next_run_at(db, flow_id) == at(start)  # the next slot after now is still the start
    tick(db, at(start))
    assert len(runs_of(db, flow_id)) == 1


def test_a_once_flow_runs_once(db: Database, api: httpx.Client, catalog: httpx.Client) -> None:
    start = in_future(600)
    flow_id = dataflow(
        api, catalog, scheduleParams={"startTime": str(start), "frequency": "once"}
    ).flow_id
    tick(db, at(start + 5))
    finish_runs(db, flow_id)
    tick(db, at(start + 10 * PERIOD))
    assert [r["window_end"] for r in runs_of(db, flow_id)] == [at(start)]
    assert next_run_at(db, flow_id) is None


def test_a_new_start_time_replans_the_flow(
    db: Database, api: httpx.Client, catalog: httpx.Client
) -> None:
    start = in_future(600)
    flow_id = new_flow(api, catalog, start)
    etag = item(api, f"/flows/{flow_id}")["etag"]
    later = start + 3600
    patched = api.patch(
        f"/flows/{flow_id}",
        headers={"If-Match": etag},
        json=[{"op": "replace", "path": "/scheduleParams/startTime", "value": str(later)}],
    )
    assert patched.status_code == 200, patched.text
    assert next_run_at(db, flow_id) == at(later)
    tick(db, at(start))
    assert runs_of(db, flow_id) == []
    tick(db, at(later))
    assert len(runs_of(db, flow_id)) == 1


def test_the_serving_process_schedules_a_flow_that_starts_now(
    db: Database, api: httpx.Client, catalog: httpx.Client
) -> None:
    flow_id = new_flow(api, catalog, int(time.time()))
    deadline = time.monotonic() + 20
    while not runs_of(db, flow_id) and time.monotonic() < deadline:
        time.sleep(0.1)
    [run] = runs_of(db, flow_id)
    assert run["trigger"] == "schedule"
