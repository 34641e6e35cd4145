"""Datasets and batches as Catalog shows them (dataflows §9.3, §9.6): camel-case fields, epoch
ms ``created``/``updated``, a semver ``version``; datasets without ``id`` inside (the map key
says it), batches with it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Row

__all__ = ["batch_to_wire", "dataset_to_wire", "table_name"]

DEFAULT_FILE_DESCRIPTION = {"persisted": True, "containerFormat": "parquet", "format": "parquet"}


def table_name(name: str) -> str:
    """The SQL-safe table name Catalog tags a dataset with (``adobe/pqs/table``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "dataset"


def dataset_to_wire(row: Row[Any]) -> dict[str, Any]:
    document = row.document
    tags = {"adobe/pqs/table": [table_name(row.name)], **document.get("tags", {})}
    wire: dict[str, Any] = {
        "name": row.name,
        "description": row.description,
        "imsOrg": row.org_id,
        "sandboxId": row.sandbox_id,
        "tags": tags,
        "classification": document.get(
            "classification", {"dataBehavior": "record", "managedBy": "CUSTOMER"}
        ),
        "extensions": {
            "adobe_lakeHouse": {
                "metrics": {
                    "storageSize": row.storage_size,
                    "rowCount": row.row_count,
                    "asOf": row.updated_at,
                }
            },
            "adobe_unifiedProfile": {},
        },
        "version": row.version,
        "created": row.created_at,
        "updated": row.updated_at,
        "createdClient": row.created_by,
        "createdUser": row.created_by,
        "updatedUser": row.updated_by,
        "fileDescription": document.get("fileDescription", DEFAULT_FILE_DESCRIPTION),
        "files": f"@/dataSetFiles?dataSetId={row.id}",
        "schemaRef": document.get("schemaRef"),
        "observableSchema": document.get("observableSchema", {}),
    }
    for key in ("enableErrorDiagnostics", "dataSourceId"):
        if key in document:
            wire[key] = document[key]
    if row.table_schema is not None:
        wire["schema"] = {"fields": row.table_schema}
    for key, value in (
        ("lastBatchId", row.last_batch_id),
        ("lastBatchStatus", row.last_batch_status),
        ("lastSuccessfulBatch", row.last_successful_batch),
    ):
        if value is not None:
            wire[key] = value
    return wire


def batch_to_wire(row: Row[Any]) -> dict[str, Any]:
    document = row.document
    wire: dict[str, Any] = {
        "id": row.id,
        "externalId": row.id,
        "status": row.status,
        "imsOrg": row.org_id,
        "sandboxId": row.sandbox_id,
        "relatedObjects": document.get(
            "relatedObjects", [{"type": "dataSet", "id": row.dataset_id}]
        ),
        "tags": document.get("tags", {}),
        "inputFormat": document.get("inputFormat", {}),
        "created": row.created_at,
        "updated": row.updated_at,
        "createdClient": row.created_by,
        "createdUser": row.created_by,
        "updatedUser": row.updated_by,
        "version": row.version,
        "metrics": document.get("metrics", {}),
        "errors": document.get("errors", []),
    }
    if row.started_at is not None:
        wire["started"] = row.started_at
    if row.completed_at is not None:
        wire["completed"] = row.completed_at
    for key in ("recordCount", "failedRecordCount", "size"):
        if key in document:
            wire[key] = document[key]
    return wire
