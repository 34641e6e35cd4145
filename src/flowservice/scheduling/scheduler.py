"""The scheduler: every enabled flow's schedule turned into runs, from any number of replicas.

A flow row keeps ``next_run_at`` (epoch ms), the time of its next slot: set when the flow is
created (its start time), enabled (the next slot after now), or given a new schedule, and
cleared when it is disabled. A tick finds the enabled flows whose ``next_run_at`` has come and,
for each, in one write transaction:

- moves ``next_run_at`` to the first slot after now, a compare-and-swap on the value it read,
  so of the replicas ticking at once exactly one goes on (the others' UPDATE matches no row);
- if the flow has no active run, inserts one for the last slot that has come: slots missed while
  no scheduler ran collapse into that one run; a slot that comes while a run is active is
  skipped, not queued (dataflows §7.1). ``UNIQUE(flow_id, seq)`` still settles a race with an
  ad-hoc run (the loser's transaction, slot move included, rolls back; the next tick retries).

A run's window (§7.1) ends at its slot and starts at the previous run's end; the first run's
starts at -inf with backfill, at the start time without. A "once" flow has one slot.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flowservice.clock import now_ms
from flowservice.flows.schedule import Schedule
from flowservice.flows.tables import FLOWS
from flowservice.runs.lifecycle import ACTIVE
from flowservice.runs.service import RUNS, insert_run, new_run_document
from flowservice.storage.db import Database
from flowservice.tenancy import Tenant

__all__ = ["BATCH", "Scheduler", "Tick", "tick"]

log = logging.getLogger("flowservice.scheduler")

BATCH = 500  # flows read at once; a tick goes on until none is due
CHUNK = 100  # flows planned per write transaction


@dataclass(frozen=True)
class Tick:
    """What one tick did: runs made, slots skipped (a run was active), flows another had."""

    made: int = 0
    skipped: int = 0
    lost: int = 0


def tick(db: Database, now: int | None = None, *, batch: int = BATCH) -> Tick:
    """Plan every enabled flow whose next slot has come by ``now`` (epoch ms, default now)."""
    at = now_ms() if now is None else now
    made = skipped = lost = 0
    seen: set[str] = set()
    while True:
        due = [flow for flow in _due(db, at, batch) if flow.id not in seen]
        if not due:
            return Tick(made, skipped, lost)
        seen.update(flow.id for flow in due)
        for start in range(0, len(due), CHUNK):
            for outcome in _plan_chunk(db, due[start : start + CHUNK], at):
                made += outcome == "made"
                skipped += outcome == "skipped"
                lost += outcome == "lost"


PLANNED: tuple[Any, ...] = (
    FLOWS.table.c.id,
    FLOWS.table.c.org_id,
    FLOWS.table.c.sandbox_id,
    FLOWS.table.c.created_by,
    FLOWS.table.c.flow_spec_id,
    FLOWS.table.c.flow_spec_version,
    FLOWS.table.c.schedule,
    FLOWS.table.c.next_run_at,
)  # what planning a flow reads of it


def _due(db: Database, at: int, batch: int) -> list[Row[Any]]:
    t = FLOWS.table
    statement = (
        select(*PLANNED)
        .where(t.c.state == "enabled", t.c.next_run_at <= at)
        .order_by(t.c.next_run_at, t.c.id)
        .limit(batch)
    )
    with db.read() as connection:
        return list(connection.execute(statement).all())


def _plan_chunk(db: Database, flows: list[Row[Any]], at: int) -> list[str]:
    """Plan ``flows`` in one write transaction (bench/scale.py, 10,000 flows: 74 s with a
    transaction each, 57 s in chunks); if an ad-hoc run took a seq meanwhile, one by one."""
    try:
        with db.write() as session:
            return [_plan(session, flow, at) for flow in flows]
    except IntegrityError:
        if len(flows) == 1:
            return ["lost"]  # nothing was written; the next tick tries again
        return [outcome for flow in flows for outcome in _plan_chunk(db, [flow], at)]


def _plan(session: Session, flow: Row[Any], at: int) -> str:
    schedule = Schedule.from_document(flow.schedule)
    seconds = at // 1000
    slot = schedule.slot_at_or_before(seconds)
    following = schedule.slot_after(seconds)
    slot_ms = slot * 1000 if slot is not None else flow.next_run_at
    t = FLOWS.table
    moved = session.execute(
        update(t)
        .where(t.c.id == flow.id, t.c.state == "enabled", t.c.next_run_at == flow.next_run_at)
        .values(next_run_at=following * 1000 if following is not None else None)
    )
    if not getattr(moved, "rowcount", 0):
        return "lost"
    r = RUNS.table
    active = func.sum(case((r.c.state.in_(ACTIVE), 1), else_=0))
    runs = session.execute(
        select(active.label("active"), func.max(r.c.seq).label("seq"),
               func.max(r.c.window_end).label("window_end"))
        .where(r.c.flow_id == flow.id)
    ).one()  # fmt: skip
    if runs.active:
        return "skipped"
    _insert(session, flow, schedule, slot_ms, at, runs)
    return "made"


def _insert(
    session: Session, flow: Row[Any], schedule: Schedule, slot_ms: int, at: int, runs: Any
) -> None:
    if runs.window_end is not None:
        start: int | None = int(runs.window_end)
    else:
        start = None if schedule.backfill else schedule.start_time * 1000
    # An ad-hoc run may have read up to a later time already: the window never runs backwards.
    end = max(slot_ms, start) if start is not None else slot_ms
    # Made on behalf of the flow's owner: createdBy/createdClient name the client that made it.
    owner = Tenant(flow.org_id, flow.sandbox_id, "", flow.created_by)
    values = {
        "trigger": "schedule", "state": "scheduled", "attempt": 0, "not_before": at,
        "window_start": start, "window_end": end,
        "document": new_run_document(flow.flow_spec_id, flow.flow_spec_version),
    }  # fmt: skip
    insert_run(session, owner, flow.id, values, at, seq=int(runs.seq or 0) + 1)


class Scheduler:
    """Ticks every ``poll_seconds`` on a thread of its own until stopped."""

    def __init__(
        self, db: Database, poll_seconds: float, made: Callable[[], None] = lambda: None
    ) -> None:
        self._db = db
        self._poll = poll_seconds
        self._made = made
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._loop, name="flowservice-scheduler", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                done = tick(self._db)
            except Exception:
                log.exception("a scheduler tick failed")
            else:
                if done.made:
                    log.info("scheduled %d run(s), skipped %d slot(s)", done.made, done.skipped)
                    self._made()
            self._stopping.wait(self._poll)
