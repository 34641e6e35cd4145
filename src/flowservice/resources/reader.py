"""The read side every Flow Service resource shares: one by id, a page, a count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from flowservice.resources.listing import ListQuery, cut
from flowservice.resources.table import TenantTable
from flowservice.storage.db import Database
from flowservice.tenancy import Tenant

__all__ = ["Page", "Reader"]

Render = Callable[[Row[Any], Tenant], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_token: str | None


class Reader:
    """Reads of one resource, rendered by ``render``; a missing id raises ``not_found(id)``."""

    def __init__(
        self,
        db: Database,
        table: TenantTable,
        render: Render,
        not_found: Callable[[str], Exception],
    ) -> None:
        self._db = db
        self.table = table
        self._render = render
        self.not_found = not_found

    def row(self, tenant: Tenant, resource_id: str) -> Row[Any] | None:
        with self._db.read() as connection:
            return self.table.get(connection, tenant, resource_id)

    def require(self, tenant: Tenant, resource_id: str) -> Row[Any]:
        row = self.row(tenant, resource_id)
        if row is None:
            raise self.not_found(resource_id)
        return row

    def get(self, tenant: Tenant, resource_id: str) -> dict[str, Any]:
        return self._render(self.require(tenant, resource_id), tenant)

    def page(self, tenant: Tenant, query: ListQuery) -> Page:
        def document(row: Row[Any]) -> dict[str, Any]:
            return self._render(row, tenant)

        with self._db.read() as connection:
            rows, token = cut(self.table.page(connection, tenant, query, document), query)
        return Page([self._render(r, tenant) for r in rows], token)

    def count(self, tenant: Tenant, query: ListQuery) -> int:
        def document(row: Row[Any]) -> dict[str, Any]:
            return self._render(row, tenant)

        with self._db.read() as connection:
            return self.table.count(connection, tenant, query, document)
