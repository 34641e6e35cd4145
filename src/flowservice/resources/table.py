"""One resource's table, every statement scoped to the caller's org and sandbox.

Functions take the session (or a plain connection, for reads) and never commit: the use case
owns the transaction. Ids are UUIDs; anything else cannot match and never reaches SQL. Reads of
one row use statements built once (building and cache-keying a statement per call costs three
times the query).

Lists are keyset-paginated on ``(order column, id)``. Filters on columns are SQL; filters on
document paths are applied to the rows SQL returns, reading on in chunks until the page is full,
so a page never holds more than ``limit + 1`` rows and a scan never more than a chunk.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy import Connection as SAConnection
from sqlalchemy.orm import Session

from flowservice.resources.listing import ListQuery
from flowservice.tenancy import Tenant

__all__ = ["Executor", "Statement", "TenantTable", "valid_uuid"]

Executor = Session | SAConnection
# A statement and its bind values: what a read runs, on whichever connection runs it.
Statement = tuple[Select[Any], dict[str, Any]]
Document = Callable[[Row[Any]], Any]
SCAN_CHUNK = 500


def valid_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


class TenantTable:
    """``table`` must have ``id``, ``org_id``, ``sandbox_id`` and ``etag`` columns.

    ``hidden`` columns are read only on request (sealed secrets); ``unshown`` ones are read but
    no rendering shows them (a run's lease), so a write of only these needs no new etag
    (flowservice.resources.rendered).
    """

    def __init__(
        self,
        table: Table,
        *,
        hidden: frozenset[str] = frozenset(),
        unshown: frozenset[str] = frozenset(),
        valid_id: Callable[[str], bool] = valid_uuid,
    ) -> None:
        self.table = table
        self.valid_id = valid_id
        self.unshown = hidden | unshown
        # What reads render; hidden columns (sealed secrets) only on request.
        self.public = [c for c in table.c if c.name not in hidden]
        # The caller's org and sandbox as bind parameters, for statements built once.
        self._scope = (
            table.c.org_id == bindparam("org"),
            table.c.sandbox_id == bindparam("sandbox"),
        )
        self._get_public = self._by_id(*self.public)
        self._get_all = self._by_id(*table.c)
        self._plain_pages: dict[tuple[str, bool, bool, bool], Select[Any]] = {}

    def _by_id(self, *columns: Any) -> Select[Any]:
        return select(*columns).where(self.table.c.id == bindparam("id"), *self._scope)

    def scope(self, tenant: Tenant) -> list[ColumnElement[bool]]:
        t = self.table
        return [t.c.org_id == tenant.org_id, t.c.sandbox_id == tenant.sandbox_id]

    def by_id(self, tenant: Tenant, resource_id: str, *, hidden: bool = False) -> Statement | None:
        """The read of one row, or None when ``resource_id`` cannot be an id."""
        if not self.valid_id(resource_id):
            return None
        values = {"id": resource_id, "org": tenant.org_id, "sandbox": tenant.sandbox_id}
        return (self._get_all if hidden else self._get_public), values

    def get(
        self, executor: Executor, tenant: Tenant, resource_id: str, *, hidden: bool = False
    ) -> Row[Any] | None:
        read = self.by_id(tenant, resource_id, hidden=hidden)
        return None if read is None else executor.execute(*read).first()

    def insert(self, session: Session, values: dict[str, Any]) -> None:
        session.execute(self.table.insert().values(**values))

    def swap(
        self, session: Session, tenant: Tenant, resource_id: str, etag: str, values: dict[str, Any]
    ) -> bool:
        """Compare-and-swap on the etag: True when this call's update won."""
        t = self.table
        statement = (
            update(t)
            .where(t.c.id == resource_id, t.c.etag == etag, *self.scope(tenant))
            .values(**values)
        )
        return bool(getattr(session.execute(statement), "rowcount", 0))

    def delete(self, session: Session, tenant: Tenant, resource_id: str) -> bool:
        if not self.valid_id(resource_id):
            return False
        statement = delete(self.table).where(self.table.c.id == resource_id, *self.scope(tenant))
        return bool(getattr(session.execute(statement), "rowcount", 0))

    def count(
        self, executor: Executor, tenant: Tenant, query: ListQuery, document: Document | None = None
    ) -> int:
        if not query.document_filters:
            return int(executor.execute(*self.count_read(tenant, query)).scalar_one())
        assert document is not None, "document filters need the resource's wire document"
        return sum(1 for _ in self._matching(executor, tenant, query, document))

    def count_read(self, tenant: Tenant, query: ListQuery) -> Statement:
        """The count of the rows the query's SQL filters select (its only column: ``count``)."""
        where = [*self._scope, *(f.sql(self.table) for f in query.sql_filters)]
        statement = select(func.count().label("count")).select_from(self.table).where(*where)
        return statement, {"org": tenant.org_id, "sandbox": tenant.sandbox_id}

    def page(
        self, executor: Executor, tenant: Tenant, query: ListQuery, document: Document | None = None
    ) -> Sequence[Row[Any]]:
        """One page plus one row, so the caller knows whether another page follows."""
        if not query.document_filters:
            return self._page(executor, tenant, query, query.after, query.limit + 1)
        assert document is not None, "document filters need the resource's wire document"
        rows: list[Row[Any]] = []
        for row in self._matching(executor, tenant, query, document):
            rows.append(row)
            if len(rows) > query.limit:
                break
        return rows

    def _matching(
        self, executor: Executor, tenant: Tenant, query: ListQuery, document: Document
    ) -> Iterator[Row[Any]]:
        after = query.after
        while True:
            chunk = self._page(executor, tenant, query, after, SCAN_CHUNK)
            for row in chunk:
                wire = document(row)
                if all(f.matches(wire) for f in query.document_filters):
                    yield row
            if len(chunk) < SCAN_CHUNK:
                return
            last = chunk[-1]
            after = (getattr(last, query.order.column), last.id)

    def _page(
        self,
        executor: Executor,
        tenant: Tenant,
        query: ListQuery,
        after: tuple[Any, str] | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        return executor.execute(*self.page_read(tenant, query, after, limit)).all()

    def page_read(
        self, tenant: Tenant, query: ListQuery, after: tuple[Any, str] | None, limit: int
    ) -> Statement:
        """The read of ``limit`` rows in the query's order (SQL filters only), after ``after``."""
        return self._page_statement(query, after is not None), self._page_values(
            tenant, after, limit
        )

    def versions_read(
        self, tenant: Tenant, query: ListQuery, after: tuple[Any, str] | None, limit: int
    ) -> Statement:
        """``page_read``'s rows as their ``(id, etag, order key)`` only: what a page costs to
        read when its rows are already rendered (flowservice.resources.rendered)."""
        statement = self._page_statement(query, after is not None, versions=True)
        return statement, self._page_values(tenant, after, limit)

    def _page_values(
        self, tenant: Tenant, after: tuple[Any, str] | None, limit: int
    ) -> dict[str, Any]:
        values = {"org": tenant.org_id, "sandbox": tenant.sandbox_id, "limit": limit}
        if after is not None:
            values["after_key"], values["after_id"] = after
        return values

    def _page_statement(
        self, query: ListQuery, after: bool, *, versions: bool = False
    ) -> Select[Any]:
        """A page's statement; without SQL filters built once per order and reused (building
        and cache-keying one per request cost a quarter of a 50-row page)."""
        order, filters = query.order, query.sql_filters
        key = (order.column, order.descending, after, versions)
        if not filters and key in self._plain_pages:
            return self._plain_pages[key]
        t = self.table
        column = t.c[order.column]
        keys = (column.desc(), t.c.id.desc()) if order.descending else (column, t.c.id)
        # Labelled, so it is selected even when it is the id.
        selected = (t.c.id, t.c.etag, column.label("order_key")) if versions else self.public
        statement = select(*selected).where(*self._scope, *(f.sql(t) for f in filters))
        if after:
            position = tuple_(column, t.c.id)
            bound = tuple_(
                bindparam("after_key", type_=column.type), bindparam("after_id", type_=t.c.id.type)
            )
            statement = statement.where(position < bound if order.descending else position > bound)
        statement = statement.order_by(*keys).limit(bindparam("limit"))
        if not filters:
            self._plain_pages[key] = statement
        return statement
