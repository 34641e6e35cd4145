"""The one update routine of every resource: read → check → change → compare-and-swap.

The row is read outside any write transaction, its etag checked against ``If-Match``, and the
resource's ``change`` computes the new column values: it applies the patch, validates the result
and may talk to the network (a source's endpoint check) or the vault, with no transaction open.
Then one short write transaction swaps the row on its etag; if another update won meanwhile,
this one gets ``1404-412`` as if it had read the newer row. ``updatedAt`` is strictly greater
after every update, even within one millisecond.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from flowservice.clock import now_ms
from flowservice.resources.etags import IfMatch, quote_etag, stale
from flowservice.resources.table import TenantTable
from flowservice.storage.db import Database
from flowservice.tenancy import Tenant

__all__ = ["Written", "new_etag", "new_record", "update"]


@dataclass(frozen=True, slots=True)
class Written:
    """What create and update answer: ``{"id", "etag"}`` (the etag quoted, as on the wire)."""

    id: str
    etag: str

    def to_wire(self) -> dict[str, str]:
        return {"id": self.id, "etag": self.etag}


def new_etag() -> str:
    return str(uuid.uuid4())


def new_record(tenant: Tenant, record_id: str, etag: str, now: int | None = None) -> dict[str, Any]:
    """The columns every new resource row starts with: id, scope, etag and audit fields."""
    at = now if now is not None else now_ms()
    return {
        "id": record_id, "org_id": tenant.org_id, "sandbox_id": tenant.sandbox_id, "etag": etag,
        "created_at": at, "updated_at": at,
        "created_by": tenant.client_id, "updated_by": tenant.client_id,
    }  # fmt: skip


def update(
    db: Database,
    table: TenantTable,
    tenant: Tenant,
    resource_id: str,
    if_match: IfMatch,
    change: Callable[[Row[Any]], dict[str, Any]],
    not_found: Callable[[str], Exception],
) -> Written:
    """Apply ``change`` to the resource if ``if_match`` holds; raise ``not_found(id)`` if absent."""
    with db.read() as connection:
        row = table.get(connection, tenant, resource_id, hidden=True)
    if row is None:
        raise not_found(resource_id)
    if not if_match.matches(row.etag):
        raise stale(row.id, if_match)
    values = change(row)
    etag = new_etag()
    values |= {
        "etag": etag,
        "updated_at": max(now_ms(), row.updated_at + 1),
        "updated_by": tenant.client_id,
    }
    with db.write() as session:
        won = table.swap(session, tenant, row.id, row.etag, values)
    if not won:
        raise stale(row.id, if_match)
    return Written(row.id, quote_etag(etag))
