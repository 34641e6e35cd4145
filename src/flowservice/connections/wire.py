"""A stored connection as the wire shows it. Secrets are stored and shown as ``MASK`` only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from flowservice.resources.etags import quote_etag
from flowservice.resources.wire import audit_fields

__all__ = ["to_wire"]


def to_wire(row: Row[Any], sandbox_name: str) -> dict[str, Any]:
    etag = quote_etag(row.etag)
    return {
        **audit_fields(row, sandbox_name),
        "name": row.name,
        "description": row.description,
        "connectionSpec": {"id": row.spec_id, "version": row.spec_version},
        "state": row.state,
        "auth": {"specName": row.auth_spec_name, "params": row.params},
        "version": etag,
        "etag": etag,
    }
