"""What ``GET /connections`` filters and sorts on (contract §4): seven fields, all columns."""

from __future__ import annotations

from flowservice.resources.fields import Field, Fields
from flowservice.resources.table import TenantTable
from flowservice.storage.models import Connection

__all__ = ["FIELDS", "TABLE"]

RESOURCE = "connections"
FIELDS = Fields.of(
    RESOURCE,
    [
        Field("id", "id"),
        Field("name", "name", sortable=True),
        Field("description", "description"),
        Field("connectionSpec.id", "spec_id", kind="lower"),
        Field("state", "state", kind="enum", choices=("enabled", "disabled")),
        Field("createdAt", "created_at", kind="int", sortable=True),
        Field("updatedAt", "updated_at", kind="int", sortable=True),
    ],
)
# Reads render everything but the sealed secrets, which only the driver path opens.
TABLE = TenantTable(
    Connection.__table__,  # type: ignore[arg-type]  # always a Table here
    hidden=frozenset({"secrets_blob", "secrets_key_id"}),
)
