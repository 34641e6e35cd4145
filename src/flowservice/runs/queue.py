"""Runs as a work queue in the service's own database: claim, heartbeat, retry, finish.

A claim takes a ``scheduled`` run whose ``not_before`` has come, or an ``inProgress`` run whose
lease has expired (its worker died), bumps ``attempt`` and sets a lease, in one write
transaction: on PostgreSQL the candidate row is locked ``FOR UPDATE SKIP LOCKED`` (workers
claiming at once take different runs instead of queueing on one); on SQLite the transaction is
``BEGIN IMMEDIATE`` (``Database.write``), one claimer at a time. Only a flow's earliest active
run is a candidate, so a flow's runs go in order and at most one is in progress: a worker
claiming at the same moment sees the run before, still active, whether committed or locked.

Every later write of the run names the attempt it holds, so a worker that lost its lease writes
nothing (engine notes §3.3). A write that changes what the run shows (its state, metrics) gives
it a new etag, as every such write does (flowservice.resources.rendered); the heartbeat, which
moves only the lease, does not.

``claim``, ``heartbeat``, ``release``, ``retry`` and ``finish`` are the whole interface a worker
uses, so a queue library could take the store's place on PostgreSQL-only deployments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select, update

from flowservice.clock import now_ms
from flowservice.resources.updates import new_etag
from flowservice.runs.lifecycle import ACTIVE
from flowservice.runs.service import RUNS
from flowservice.storage.db import Database

__all__ = ["Claim", "claim", "finish", "heartbeat", "release", "retry"]


@dataclass(frozen=True)
class Claim:
    run_id: str
    attempt: int


def claim(db: Database, worker: str, lease_ms: int) -> Claim | None:
    """The next due run for ``worker``, leased for ``lease_ms``; None when none is due."""
    t = RUNS.table
    now = now_ms()
    # A flow's runs go in order, one at a time: only its earliest active run is a candidate.
    earlier = RUNS.table.alias("earlier")
    waits = (
        select(earlier.c.id)
        .where(
            earlier.c.flow_id == t.c.flow_id,
            earlier.c.seq < t.c.seq,
            earlier.c.state.in_(ACTIVE),
        )
        .exists()
    )

    def first(due: ColumnElement[bool], order: ColumnElement[Any]) -> Select[Any]:
        # One condition on the state per query, ordered by a column of the (state, not_before)
        # index, so the database walks the index instead of sorting every due run (with both
        # conditions OR-ed, PostgreSQL scanned and sorted all 10,000 runs of bench/scale.py).
        return (
            select(t.c.id, t.c.attempt, t.c.document)
            .where(due, ~waits)
            .order_by(order)
            .limit(1)
            .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite has BEGIN IMMEDIATE
        )

    expired = first(
        and_(t.c.state == "inProgress", t.c.lease_expires_at < now), t.c.lease_expires_at
    )
    scheduled = first(and_(t.c.state == "scheduled", t.c.not_before <= now), t.c.not_before)
    with db.write() as session:
        row = session.execute(expired).first() or session.execute(scheduled).first()
        if row is not None:
            # The run's record keeps every attempt: who claimed it and when (takeovers show).
            attempts = [*row.document.get("attempts", []), {"attempt": row.attempt + 1,
                        "worker": worker, "claimedAt": now}]  # fmt: skip
            session.execute(
                update(t).where(t.c.id == row.id).values(
                    state="inProgress", attempt=row.attempt + 1, lease_owner=worker,
                    lease_expires_at=now + lease_ms, updated_at=now, etag=new_etag(),
                    document={**row.document, "attempts": attempts},
                )
            )  # fmt: skip
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


def release(db: Database, held: Claim) -> bool:
    """Hand a run this worker cannot finish (it is stopping) to the next claim at once: its lease
    ends now. Until another worker takes it over, this one may still finish it."""
    t = RUNS.table
    with db.write() as session:
        result = session.execute(
            update(t)
            .where(t.c.id == held.run_id, t.c.attempt == held.attempt, t.c.state == "inProgress")
            .values(lease_expires_at=now_ms() - 1)
        )
    return bool(getattr(result, "rowcount", 0))


def retry(db: Database, held: Claim, at: int, document: dict[str, Any]) -> bool:
    """Hand the run back to the queue, due again at ``at`` (epoch ms); fenced like ``finish``."""
    return finish(
        db,
        held,
        {"state": "scheduled", "not_before": at, "lease_owner": None, "lease_expires_at": None,
         "document": document},
    )  # fmt: skip


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
