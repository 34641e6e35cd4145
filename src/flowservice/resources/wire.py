"""Fields every Flow Service resource carries on the wire (contract §4, dataflows §2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

__all__ = ["audit_fields"]


def audit_fields(row: Row[Any], sandbox_name: str) -> dict[str, Any]:
    """``id``, timestamps, who and which client made and changed it, and its org and sandbox."""
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
    }
