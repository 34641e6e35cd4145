"""The read side every Flow Service resource shares: one by id, a page, a count.

``get``, ``list`` and ``total`` are the API's: they run on the event loop
(``Database.fetch_all``) and only hand a list or a count to a worker thread when it filters on
document paths, which scans rows. A page answers the renderings it has kept of rows it has seen
in the same version (flowservice.resources.rendered), as JSON.
``row``, ``require``, ``page`` and ``count`` are the blocking reads, for use cases and threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from anyio import to_thread
from sqlalchemy import Row

from flowservice.resources.listing import ListQuery, cut
from flowservice.resources.rendered import RenderedRows, versioned
from flowservice.resources.table import TenantTable
from flowservice.storage.db import Database
from flowservice.storage.rows import Columns
from flowservice.tenancy import Tenant

__all__ = ["Page", "Reader"]

# A row's wire document. It may depend on the row and the tenant's sandbox name only: a page's
# renderings are kept by sandbox name, id and etag.
Render = Callable[[Columns, Tenant], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Page:
    items: list[orjson.Fragment]  # each item's JSON, as orjson.dumps writes it
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
        self._rendered = RenderedRows()
        versioned(table.table, table.unshown)

    def row(self, tenant: Tenant, resource_id: str) -> Row[Any] | None:
        with self._db.read() as connection:
            return self.table.get(connection, tenant, resource_id)

    def require(self, tenant: Tenant, resource_id: str) -> Row[Any]:
        row = self.row(tenant, resource_id)
        if row is None:
            raise self.not_found(resource_id)
        return row

    async def get(self, tenant: Tenant, resource_id: str) -> dict[str, Any]:
        read = self.table.by_id(tenant, resource_id)
        row = None if read is None else await self._db.fetch_first(*read)
        if row is None:
            raise self.not_found(resource_id)
        return self._render(row, tenant)

    async def list(self, tenant: Tenant, query: ListQuery) -> Page:
        """A page: from the kept renderings when the page's rows are all kept in the versions
        they have now, else read in full, rendering only the rows not kept."""
        if query.document_filters:
            return await to_thread.run_sync(self.page, tenant, query)
        after, limit = query.after, query.limit + 1
        read = self.table.versions_read(tenant, query, after, limit)
        versions, token = cut(await self._db.fetch_tuples(*read), query, _position)
        kept = self._rendered.get_all(tenant.sandbox_name, versions)
        if None not in kept:
            return Page([orjson.Fragment(rendered) for rendered in kept if rendered], token)
        read = self.table.page_read(tenant, query, after, limit)
        rows, token = cut(await self._db.fetch_all(*read), query)
        return Page([orjson.Fragment(self._rendering(row, tenant)) for row in rows], token)

    def _rendering(self, row: Columns, tenant: Tenant) -> bytes:
        name = tenant.sandbox_name
        rendered = self._rendered.get(name, row.id, row.etag)
        if rendered is None:
            rendered = orjson.dumps(self._render(row, tenant))
            self._rendered.keep(name, row.id, row.etag, rendered)
        return rendered

    async def total(self, tenant: Tenant, query: ListQuery) -> int:
        if query.document_filters:
            return await to_thread.run_sync(self.count, tenant, query)
        row = await self._db.fetch_first(*self.table.count_read(tenant, query))
        assert row is not None, "a count has one row"
        return int(row.count)

    def page(self, tenant: Tenant, query: ListQuery) -> Page:
        def document(row: Row[Any]) -> dict[str, Any]:
            return self._render(row, tenant)

        with self._db.read() as connection:
            rows, token = cut(self.table.page(connection, tenant, query, document), query)
        return Page([orjson.Fragment(orjson.dumps(self._render(r, tenant))) for r in rows], token)

    def count(self, tenant: Tenant, query: ListQuery) -> int:
        def document(row: Row[Any]) -> dict[str, Any]:
            return self._render(row, tenant)

        with self._db.read() as connection:
            return self.table.count(connection, tenant, query, document)


def _position(version: tuple[Any, ...]) -> tuple[Any, str]:
    resource_id, _etag, order_key = version
    return order_key, resource_id
