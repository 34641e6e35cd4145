"""A run as the wire shows it (dataflows §7.4): metrics, activities, status."""

from __future__ import annotations

from typing import Any

from flowservice.resources.etags import quote_etag
from flowservice.resources.wire import audit_fields
from flowservice.storage.rows import Columns
from flowservice.tenancy import Tenant

__all__ = ["empty_metrics", "render_run"]


def empty_metrics(status: str) -> dict[str, Any]:
    return {
        "durationSummary": {},
        "sizeSummary": {},
        "recordSummary": {},
        "fileSummary": {},
        "statusSummary": {"status": status, "errors": []},
    }


def render_run(row: Columns, tenant: Tenant) -> dict[str, Any]:
    document = row.document
    metrics = document.get("metrics") or empty_metrics(row.state)
    metrics = {
        **metrics,
        "statusSummary": {**metrics.get("statusSummary", {}), "status": row.state},
    }
    duration = dict(metrics.get("durationSummary", {}))
    if row.started_at is not None:
        duration.setdefault("startedAtUTC", row.started_at)
    if row.completed_at is not None:
        duration.setdefault("completedAtUTC", row.completed_at)
    metrics["durationSummary"] = duration
    return {
        **audit_fields(row, tenant.sandbox_name),
        "flowId": row.flow_id,
        "flowSpec": document.get("flowSpec", {}),
        "etag": quote_etag(row.etag),
        "metrics": metrics,
        "activities": document.get("activities", []),
    }
