"""SQL for connections. Functions take a session and never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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

from flowservice.connections.query import ListQuery
from flowservice.identity.authenticator import Tenant
from flowservice.storage.models import Connection

__all__ = ["count", "delete_one", "get", "insert", "page", "swap"]

T: Table = Connection.__table__  # type: ignore[assignment]  # always a Table here
# What reads render: everything but the sealed secrets, which only the driver path opens.
PUBLIC = [column for column in T.c if not column.name.startswith("secrets_")]
# Reads run on a plain connection (cheaper than an ORM session); writes on the use case's session.
Executor = Session | SAConnection


def _scope(tenant: Tenant) -> list[ColumnElement[bool]]:
    return [T.c.org_id == tenant.org_id, T.c.sandbox_id == tenant.sandbox_id]


def insert(session: Session, values: dict[str, Any]) -> None:
    session.execute(T.insert().values(**values))


def _valid_id(connection_id: str) -> bool:
    """Ids are UUIDs; anything else (a NUL byte, say) cannot match and never reaches SQL."""
    try:
        return str(uuid.UUID(connection_id)) == connection_id.lower()
    except ValueError:
        return False


def _by_id(*columns: Any) -> Select[Any]:
    scope = (T.c.org_id == bindparam("org"), T.c.sandbox_id == bindparam("sandbox"))
    return select(*columns).where(T.c.id == bindparam("id"), *scope)


# Built once: building and cache-keying a statement per call costs three times the query.
GET_PUBLIC = _by_id(*PUBLIC)
GET_WITH_SECRETS = _by_id(*T.c)


def get(
    executor: Executor, tenant: Tenant, connection_id: str, *, secrets: bool = False
) -> Row[Any] | None:
    if not _valid_id(connection_id):
        return None
    values = {"id": connection_id, "org": tenant.org_id, "sandbox": tenant.sandbox_id}
    return executor.execute(GET_WITH_SECRETS if secrets else GET_PUBLIC, values).first()


def swap(
    session: Session, tenant: Tenant, connection_id: str, etag: str, values: dict[str, Any]
) -> bool:
    """Compare-and-swap on the etag: True when this call's update won."""
    query = (
        update(T).where(T.c.id == connection_id, T.c.etag == etag, *_scope(tenant)).values(**values)
    )
    return bool(getattr(session.execute(query), "rowcount", 0))


def delete_one(session: Session, tenant: Tenant, connection_id: str) -> bool:
    if not _valid_id(connection_id):
        return False
    query = delete(T).where(T.c.id == connection_id, *_scope(tenant))
    return bool(getattr(session.execute(query), "rowcount", 0))


def count(executor: Executor, tenant: Tenant, query: ListQuery) -> int:
    statement = select(func.count()).select_from(T).where(*_scope(tenant), *query.conditions(T))
    return int(executor.execute(statement).scalar_one())


def page(executor: Executor, tenant: Tenant, query: ListQuery) -> Sequence[Row[Any]]:
    """One page plus one row, so the caller knows whether another page follows."""
    column = T.c[query.order.column]
    keys = (column.desc(), T.c.id.desc()) if query.order.descending else (column, T.c.id)
    statement = select(*PUBLIC).where(*_scope(tenant), *query.conditions(T))
    if query.after is not None:
        after = tuple_(column, T.c.id)
        position = tuple_(*query.after)
        statement = statement.where(
            after < position if query.order.descending else after > position
        )
    return executor.execute(statement.order_by(*keys).limit(query.limit + 1)).all()
