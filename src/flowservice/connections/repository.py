"""SQL for connections. Functions take a session and never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, delete, func, select, tuple_, update
from sqlalchemy.orm import Session

from flowservice.connections.query import ListQuery
from flowservice.identity.authenticator import Tenant
from flowservice.storage.models import Connection

__all__ = ["count", "delete_one", "get", "insert", "page", "swap"]

T: Table = Connection.__table__  # type: ignore[assignment]  # always a Table here


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


def get(session: Session, tenant: Tenant, connection_id: str) -> Row[Any] | None:
    if not _valid_id(connection_id):
        return None
    query = select(T).where(T.c.id == connection_id, *_scope(tenant))
    return session.execute(query).first()


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


def count(session: Session, tenant: Tenant, query: ListQuery) -> int:
    statement = select(func.count()).select_from(T).where(*_scope(tenant), *query.conditions(T))
    return int(session.execute(statement).scalar_one())


def page(session: Session, tenant: Tenant, query: ListQuery) -> Sequence[Row[Any]]:
    """One page plus one row, so the caller knows whether another page follows."""
    column = T.c[query.order.column]
    keys = (column.desc(), T.c.id.desc()) if query.order.descending else (column, T.c.id)
    statement = select(T).where(*_scope(tenant), *query.conditions(T))
    if query.after is not None:
        after = tuple_(column, T.c.id)
        position = tuple_(*query.after)
        statement = statement.where(
            after < position if query.order.descending else after > position
        )
    return session.execute(statement.order_by(*keys).limit(query.limit + 1)).all()
