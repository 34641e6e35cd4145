"""A stored connection as the wire shows it. Secrets are stored and shown as ``MASK`` only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from flowservice.resources.etags import quote_etag

__all__ = ["MASK", "to_wire"]

# What a read returns in place of every secret (documented in docs/api.md). A PATCH that sends it
# back keeps the stored value.
MASK = "********"


def to_wire(row: Row[Any], sandbox_name: str) -> dict[str, Any]:
    etag = quote_etag(row.etag)
    return {
        "id": row.id,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "createdBy": row.created_by,
        "updatedBy": row.updated_by,
        "createdClient": row.created_by,
        "updatedClient": row.updated_by,
        "sandboxId": row.sandbox_id,
        "sandboxName": sandbox_name,
        "imsOrgId": row.org_id,
        "name": row.name,
        "description": row.description,
        "connectionSpec": {"id": row.spec_id, "version": row.spec_version},
        "state": row.state,
        "auth": {"specName": row.auth_spec_name, "params": row.params},
        "version": etag,
        "etag": etag,
    }
