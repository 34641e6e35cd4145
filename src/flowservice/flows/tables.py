"""The dataflow resources' tables, their list fields, and "which flows use this?"."""

from __future__ import annotations

from sqlalchemy import select

from flowservice.resources.fields import Field, Fields
from flowservice.resources.table import Executor, TenantTable, valid_uuid
from flowservice.storage.models import Flow, SourceConnection, TargetConnection
from flowservice.tenancy import Tenant

__all__ = [
    "FLOWS",
    "FLOW_FIELDS",
    "SOURCES",
    "SOURCE_FIELDS",
    "TARGETS",
    "TARGET_FIELDS",
    "flows_using",
]

SOURCES = TenantTable(SourceConnection.__table__)  # type: ignore[arg-type]
TARGETS = TenantTable(TargetConnection.__table__)  # type: ignore[arg-type]
# The scheduler's plan of the flow; the wire shows the schedule as sent (document).
FLOWS = TenantTable(
    Flow.__table__,  # type: ignore[arg-type]
    unshown=frozenset({"schedule", "next_run_at"}),
)

_COMMON = (
    Field("id", "id"),
    Field("name", "name", sortable=True),
    Field("createdAt", "created_at", kind="int", sortable=True),
    Field("updatedAt", "updated_at", kind="int", sortable=True),
)
_STATE = Field("state", "state", kind="lower")
# The dataflow resources filter on any path of their wire document too (dataflows §2).
SOURCE_FIELDS = Fields.of(
    "sourceConnections",
    [*_COMMON, _STATE, Field("baseConnectionId", "base_connection_id"),
     Field("connectionSpec.id", "spec_id", kind="lower")],
    any_path=True,
)  # fmt: skip
TARGET_FIELDS = Fields.of(
    "targetConnections",
    [*_COMMON, _STATE, Field("params.dataSetId", "dataset_id"),
     Field("connectionSpec.id", "spec_id", kind="lower")],
    any_path=True,
)  # fmt: skip
FLOW_FIELDS = Fields.of(
    "flows",
    [*_COMMON, _STATE, Field("flowSpec.id", "flow_spec_id", kind="lower")],
    any_path=True,
    folded_paths=frozenset({"lastRunDetails.state"}),
)


def flows_using(
    executor: Executor, tenant: Tenant, *, source: str | None = None, target: str | None = None
) -> list[str]:
    """Ids of the tenant's flows whose source (or target) connection is the one given."""
    if not all(valid_uuid(i) for i in (source, target) if i is not None):
        return []  # an id that is not a UUID names nothing (and never reaches SQL)
    t = FLOWS.table
    where = FLOWS.scope(tenant)
    if source is not None:
        where.append(t.c.source_connection_id == source)
    if target is not None:
        where.append(t.c.target_connection_id == target)
    return list(executor.execute(select(t.c.id).where(*where)).scalars())


def flows_using_base(executor: Executor, tenant: Tenant, base_connection_id: str) -> list[str]:
    """Ids of the tenant's flows reading from a base connection (through a source connection)."""
    if not valid_uuid(base_connection_id):
        return []
    f, s = FLOWS.table, SOURCES.table
    statement = (
        select(f.c.id)
        .join(s, s.c.id == f.c.source_connection_id)
        .where(*FLOWS.scope(tenant), s.c.base_connection_id == base_connection_id)
    )
    return list(executor.execute(statement).scalars())
