"""Runs as a work queue in the service's own database: claim, heartbeat, finish.

A claim takes a ``scheduled`` run whose ``not_before`` has come, or an ``inProgress`` run whose
lease has expired (its worker died), bumps ``attempt`` and sets a lease, in one compare-and-swap
``UPDATE`` on ``(id, attempt)``: of racing workers exactly one wins. A flow has at most one run in
progress. Every later write of the run names the attempt it holds, so a worker that lost its lease
writes nothing (engine notes §3.3). A write that changes what the run shows (its state, metrics)
gives it a new etag, as every such write does (flowservice.resources.rendered); the heartbeat,
which moves only the lease, does not. Next issue: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and
``BEGIN IMMEDIATE`` on SQLite for many workers; the interface stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update

from flowservice.clock import now_ms
from flowservice.resources.updates import new_etag
from flowservice.runs.service import RUNS
from flowservice.storage.db import Database

__all__ = ["Claim", "claim", "finish", "heartbeat"]

CANDIDATES = 16


@dataclass(frozen=True)
class Claim:
    run_id: str
    attempt: int


def claim(db: Database, worker: str, lease_ms: int) -> Claim | None:
    t = RUNS.table
    now = now_ms()
    due = or_(
        and_(t.c.state == "scheduled", t.c.not_before <= now),
        and_(t.c.state == "inProgress", t.c.lease_expires_at < now),
    )
    with db.engine.connect() as connection:
        busy = set(
            connection.execute(
                select(t.c.flow_id).where(t.c.state == "inProgress", t.c.lease_expires_at >= now)
            ).scalars()
        )
        rows = connection.execute(
            select(t.c.id, t.c.flow_id, t.c.attempt)
            .where(due)
            .order_by(t.c.not_before, t.c.seq)
            .limit(CANDIDATES)
        ).all()
    for row in rows:
        if row.flow_id in busy:
            continue
        values = {
            "state": "inProgress",
            "attempt": row.attempt + 1,
            "lease_owner": worker,
            "lease_expires_at": now + lease_ms,
            "updated_at": now,
            "etag": new_etag(),
        }
        with db.write() as session:
            won = session.execute(
                update(t).where(t.c.id == row.id, t.c.attempt == row.attempt, due).values(**values)
            )
        if getattr(won, "rowcount", 0):
            return Claim(row.id, row.attempt + 1)
    return None


def heartbeat(db: Database, held: Claim, lease_ms: int) -> bool:
    """Extend the lease; False when the run is no longer this attempt's (stop working on it)."""
    t = RUNS.table
    with db.write() as session:
        result = session.execute(
            update(t)
            .where(t.c.id == held.run_id, t.c.attempt == held.attempt, t.c.state == "inProgress")
            .values(lease_expires_at=now_ms() + lease_ms)
        )
    return bool(getattr(result, "rowcount", 0))


def finish(db: Database, held: Claim, values: dict[str, Any]) -> bool:
    """Write the run's end (or any progress), fenced by the attempt held."""
    t = RUNS.table
    now = now_ms()
    with db.write() as session:
        result = session.execute(
            update(t)
            .where(t.c.id == held.run_id, t.c.attempt == held.attempt)
            .values(**values, updated_at=now, etag=new_etag())
        )
    return bool(getattr(result, "rowcount", 0))
