"""Fields every Flow Service resource carries on the wire (contract §4, dataflows §2)."""

from __future__ import annotations

from typing import Any

from flowservice.storage.rows import Columns

__all__ = ["audit_fields"]


def audit_fields(row: Columns, sandbox_name: str) -> dict[str, Any]:
    """``id``, timestamps, who and which client made and changed it, and its org and sandbox.

    Read through ``row._mapping``: a key lookup there costs a quarter of an attribute access on
    the row (which adds up over the 50 rows of a list page).
    """
    values = row._mapping
    created_by, updated_by = values["created_by"], values["updated_by"]
    return {
        "id": values["id"],
        "createdAt": values["created_at"],
        "updatedAt": values["updated_at"],
        "createdBy": created_by,
        "updatedBy": updated_by,
        "createdClient": created_by,
        "updatedClient": updated_by,
        "sandboxId": values["sandbox_id"],
        "sandboxName": sandbox_name,
        "imsOrgId": values["org_id"],
    }
