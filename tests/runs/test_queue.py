"""The run queue under workers claiming at once, on a real database of each back end: every run
claimed once, never two runs of one flow in progress, retries fenced and delayed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from flowservice.clock import now_ms
from flowservice.resources.updates import new_etag
from flowservice.runs import queue
from flowservice.runs.service import RUNS
from flowservice.storage.db import Database
from flowservice.storage.migrate import upgrade
from tests.support.databases import BACKENDS, database_url
from tests.support.replicas import at_once

FLOWS, RUNS_PER_FLOW, WORKERS = 6, 3, 6
LEASE_MS = 60_000


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        database = Database(url, pool_size=4)
        upgrade(database)
        yield database
        database.dispose()


def add_runs(db: Database, flows: int, per_flow: int) -> list[str]:
    now = now_ms()
    flow_ids = [str(uuid.uuid4()) for _ in range(flows)]
    with db.write() as session:
        for seq in range(1, per_flow + 1):
            for flow_id in flow_ids:
                RUNS.insert(session, {
                    "id": str(uuid.uuid4()), "org_id": "ORG@AdobeOrg", "sandbox_id": "s",
                    "etag": new_etag(), "created_at": now, "updated_at": now,
                    "created_by": "c", "updated_by": "c", "flow_id": flow_id, "seq": seq,
                    "trigger": "adhoc", "state": "scheduled", "attempt": 0,
                    "not_before": now - 1, "window_end": now, "document": {},
                })  # fmt: skip
    return flow_ids


def claim_all(db: Database, workers: int) -> list[queue.Claim]:
    """Workers on databases of their own claim at once until none is due."""

    def work(each: Database, index: int) -> list[queue.Claim]:
        claimed = []
        while (held := queue.claim(each, f"w{index}", LEASE_MS)) is not None:
            claimed.append(held)
        return claimed

    return [held for claimed in at_once(db.url, workers, work) for held in claimed]


def states(db: Database) -> list[dict[str, Any]]:
    r = RUNS.table
    with db.read() as connection:
        rows = connection.execute(select(r.c.id, r.c.flow_id, r.c.state, r.c.attempt, r.c.seq))
        return [dict(row._mapping) for row in rows]


def test_workers_at_once_claim_each_run_once_and_one_run_per_flow(db: Database) -> None:
    add_runs(db, FLOWS, RUNS_PER_FLOW)
    for wave in range(1, RUNS_PER_FLOW + 1):
        claimed = claim_all(db, WORKERS)
        assert len(claimed) == FLOWS  # one per flow: the others wait for it
        assert len({c.run_id for c in claimed}) == FLOWS
        running = [s for s in states(db) if s["state"] == "inProgress"]
        assert sorted(s["id"] for s in running) == sorted(c.run_id for c in claimed)
        assert len({s["flow_id"] for s in running}) == FLOWS
        assert {s["seq"] for s in running} == {wave}  # a flow's runs in order
        for held in claimed:
            assert queue.finish(db, held, {"state": "success"})
    assert claim_all(db, WORKERS) == []


def test_a_retry_is_fenced_and_due_again_after_its_backoff(db: Database) -> None:
    add_runs(db, 1, 1)
    held = queue.claim(db, "w", LEASE_MS)
    assert held is not None
    stale = queue.Claim(held.run_id, held.attempt - 1)
    assert not queue.retry(db, stale, now_ms(), {})  # a lost attempt cannot hand it back
    assert queue.retry(db, held, now_ms() + 60_000, {"retries": [{"attempt": 1}]})
    assert queue.claim(db, "w", LEASE_MS) is None  # not due yet
    r = RUNS.table
    with db.write() as session:
        session.execute(update(r).values(not_before=now_ms() - 1))
    again = queue.claim(db, "w", LEASE_MS)
    assert again == queue.Claim(held.run_id, held.attempt + 1)
    assert not queue.finish(db, held, {"state": "success"})  # the old attempt is fenced off


def test_an_expired_lease_is_taken_over(db: Database) -> None:
    add_runs(db, 1, 1)
    held = queue.claim(db, "dead", 1)  # a lease of 1 ms: its worker "died"
    assert held is not None
    r = RUNS.table
    with db.write() as session:
        session.execute(update(r).values(lease_expires_at=now_ms() - 1))
    taken = queue.claim(db, "alive", LEASE_MS)
    assert taken == queue.Claim(held.run_id, held.attempt + 1)
    assert not queue.heartbeat(db, held, LEASE_MS)
    assert queue.heartbeat(db, taken, LEASE_MS)
    r = RUNS.table
    with db.read() as connection:
        document = connection.execute(select(r.c.document).where(r.c.id == held.run_id)).scalar()
    assert [(a["attempt"], a["worker"]) for a in document["attempts"]] == [
        (1, "dead"),
        (2, "alive"),
    ]


def test_a_released_run_is_taken_over_at_once(db: Database) -> None:
    add_runs(db, 1, 1)
    held = queue.claim(db, "stopping", LEASE_MS)
    assert held is not None
    assert queue.claim(db, "other", LEASE_MS) is None  # leased
    assert queue.release(db, held)
    taken = queue.claim(db, "other", LEASE_MS)
    assert taken == queue.Claim(held.run_id, held.attempt + 1)
    assert not queue.release(db, held)  # fenced: the old attempt is not the run's any more
