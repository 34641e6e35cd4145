"""A stored connection as the wire shows it. Secrets are stored and shown as ``MASK`` only."""

from __future__ import annotations

from typing import Any

from flowservice.resources.etags import quote_etag
from flowservice.resources.wire import audit_fields
from flowservice.storage.rows import Columns

__all__ = ["to_wire"]


def to_wire(row: Columns, sandbox_name: str) -> dict[str, Any]:
    values = row._mapping  # see audit_fields
    etag = quote_etag(values["etag"])
    return {
        **audit_fields(row, sandbox_name),
        "name": values["name"],
        "description": values["description"],
        "connectionSpec": {"id": values["spec_id"], "version": values["spec_version"]},
        "state": values["state"],
        "auth": {"specName": values["auth_spec_name"], "params": values["params"]},
        "version": etag,
        "etag": etag,
    }
