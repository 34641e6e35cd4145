"""``/runs`` (dataflows §7): ad-hoc runs, reads and lists; the engine executes them.

``POST /runs`` makes a run row in state ``scheduled`` for an enabled flow; its window defaults to
the previous run's end … now, or the given ``params`` (epoch seconds; milliseconds accepted when
the value is above 10^11). It answers ``201 {"id", "etag", "items": [{"id", "etag"}]}`` so that
clients reading ``res["id"]`` and clients reading ``res["items"][0]["id"]`` both work.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flowservice import codes
from flowservice.clock import now_ms
from flowservice.errors import NotFoundError, UserError
from flowservice.flows.values import as_int
from flowservice.resources.etags import quote_etag
from flowservice.resources.fields import Field, Fields
from flowservice.resources.reader import Reader
from flowservice.resources.table import TenantTable
from flowservice.resources.updates import Written, new_etag, new_record
from flowservice.runs.lifecycle import ACTIVE
from flowservice.runs.wire import empty_metrics, render_run
from flowservice.storage.db import Database
from flowservice.storage.models import Run
from flowservice.tenancy import Tenant

__all__ = ["RUN_FIELDS", "RunService", "insert_run", "new_run_document"]

# The queue's bookkeeping: what a worker holds and when, never on the wire.
RUNS = TenantTable(
    Run.__table__,  # type: ignore[arg-type]
    unshown=frozenset(
        {"seq", "trigger", "attempt", "lease_owner", "lease_expires_at", "not_before",
         "window_start", "window_end"}
    ),
)  # fmt: skip
RUN_FIELDS = Fields.of(
    "runs",
    [
        Field("id", "id"),
        Field("flowId", "flow_id"),
        Field("state", "state", kind="lower"),
        Field("metrics.statusSummary.status", "state", kind="lower"),
        Field("metrics.durationSummary.startedAtUTC", "started_at", kind="int"),
        Field("metrics.durationSummary.completedAtUTC", "completed_at", kind="int"),
        Field("createdAt", "created_at", kind="int", sortable=True),
        Field("updatedAt", "updated_at", kind="int", sortable=True),
    ],
    any_path=True,
)
MS_THRESHOLD = 10**11  # epoch values above this are milliseconds, below seconds
TOP_LEVEL = frozenset({"flowId", "params", "status"})
SEQ_RETRIES = 5
FLOW_DELETED = "CONNECTOR-1001-500"


def _epoch_ms(value: Any, name: str) -> int:
    number = as_int(value, name)
    return number if number > MS_THRESHOLD else number * 1000


class RunService:
    def __init__(self, db: Database, flow_lookup: Callable[[Tenant, str], Row[Any] | None]) -> None:
        self._db = db
        self._flow = flow_lookup
        # Set on every new run, so that an executor in this process starts it at once instead of
        # at its next poll (executors elsewhere still find it by polling the store).
        self.created = threading.Event()
        self.reader = Reader(db, RUNS, render_run, lambda i: NotFoundError("runs", i))

    def create(self, tenant: Tenant, body: Any) -> Written:
        if not isinstance(body, dict):
            raise UserError(codes.BODY_SHAPE, "The request body must be an object.")
        flow_id = body.get("flowId")
        if not flow_id:
            raise UserError(codes.MISSING_FLOW_ID, "The flowId is missing in the request.")
        flow = self._flow(tenant, str(flow_id)) if isinstance(flow_id, str) else None
        if flow is None:
            raise UserError(
                codes.RUN_FLOW_NOT_FOUND, f"Flow not found with id {str(flow_id)[:64]}."
            )
        if flow.state != "enabled":
            raise UserError(
                codes.FLOW_NOT_ENABLED, f"Flow {flow.id} is not in expected state enabled."
            )
        now = now_ms()
        window_start, window_end, not_before = self._window(tenant, flow, body.get("params"), now)
        document = new_run_document(flow.flow_spec_id, flow.flow_spec_version)
        return self._insert(tenant, flow.id, {
            "trigger": "adhoc", "state": "scheduled", "attempt": 0, "not_before": not_before,
            "window_start": window_start, "window_end": window_end, "document": document,
        }, now)  # fmt: skip

    def cancel_for_flow(self, tenant: Tenant, flow_id: str) -> None:
        """The flow was deleted: its active runs end ``failed`` (past runs stay readable)."""
        now = now_ms()
        error = {
            "code": FLOW_DELETED,
            "message": "Error in copying the data from Source: the flow was deleted.",
        }
        t = RUNS.table
        with self._db.write() as session:
            rows = session.execute(
                select(t.c.id, t.c.document).where(
                    *RUNS.scope(tenant), t.c.flow_id == flow_id, t.c.state.in_(ACTIVE)
                )
            ).all()
            for run_id, document in rows:
                metrics = {
                    **(document.get("metrics") or {}),
                    "statusSummary": {"status": "failed", "errors": [error]},
                }
                session.execute(
                    update(t).where(t.c.id == run_id, t.c.state.in_(ACTIVE)).values(
                        state="failed", completed_at=now, updated_at=now, etag=new_etag(),
                        lease_owner=None, lease_expires_at=None,
                        document={**document, "metrics": metrics},
                    )
                )  # fmt: skip

    def _window(
        self, tenant: Tenant, flow: Row[Any], params: Any, now: int
    ) -> tuple[int | None, int, int]:
        previous = self._last_window_end(tenant, flow.id)
        if params is None:
            return previous, now, now
        if not isinstance(params, dict) or not params:
            raise UserError(
                codes.INVALID_RUN_PARAMS,
                "The run params are empty or invalid: give startTime, windowStartTime and "
                "windowEndTime (epoch seconds).",
            )
        try:
            start = _epoch_ms(params["startTime"], "startTime") if "startTime" in params else now
            window_start = (
                _epoch_ms(params["windowStartTime"], "windowStartTime")
                if "windowStartTime" in params
                else previous
            )
            window_end = (
                _epoch_ms(params["windowEndTime"], "windowEndTime")
                if "windowEndTime" in params
                else now
            )
        except UserError:
            raise UserError(
                codes.INVALID_RUN_PARAMS,
                "The run params are invalid: startTime, windowStartTime and windowEndTime are "
                "epoch seconds.",
            ) from None
        if window_start is not None and window_end < window_start:
            raise UserError(
                codes.WINDOW_REVERSED, "The windowEndTime cannot be before the windowStartTime."
            )
        return window_start, window_end, max(start, now)

    def _last_window_end(self, tenant: Tenant, flow_id: str) -> int | None:
        t = RUNS.table
        with self._db.read() as connection:
            value = connection.execute(
                select(func.max(t.c.window_end)).where(*RUNS.scope(tenant), t.c.flow_id == flow_id)
            ).scalar()
        return int(value) if value is not None else None

    def _insert(self, tenant: Tenant, flow_id: str, values: dict[str, Any], now: int) -> Written:
        """A new run row; a race for the flow's next ``seq`` is lost and tried again."""
        for _ in range(SEQ_RETRIES):
            try:
                with self._db.write() as session:
                    written = insert_run(session, tenant, flow_id, values, now)
                self.created.set()
                return written
            except IntegrityError:
                continue
        raise UserError(
            codes.BAD_REQUEST,
            "The request could not be processed: too many runs were started at once; try again.",
        )


def new_run_document(flow_spec_id: str, flow_spec_version: str) -> dict[str, Any]:
    """What a run shows before a worker has claimed it."""
    return {
        "flowSpec": {"id": flow_spec_id, "version": flow_spec_version},
        "metrics": empty_metrics("scheduled"), "activities": [],
    }  # fmt: skip


def insert_run(
    session: Session,
    tenant: Tenant,
    flow_id: str,
    values: dict[str, Any],
    now: int,
    *,
    seq: int | None = None,
) -> Written:
    """A new run row with the flow's next ``seq`` (read here unless given), in the caller's
    transaction.

    ``UNIQUE(flow_id, seq)`` settles a race with another writer: the loser's commit fails with
    ``IntegrityError``.
    """
    t = RUNS.table
    run_id, etag = str(uuid.uuid4()), new_etag()
    if seq is None:
        last = session.execute(
            select(func.coalesce(func.max(t.c.seq), 0)).where(t.c.flow_id == flow_id)
        ).scalar_one()
        seq = int(last) + 1
    record = new_record(tenant, run_id, etag, now)
    RUNS.insert(session, {**record, "flow_id": flow_id, "seq": seq, **values})
    return Written(run_id, quote_etag(etag))
