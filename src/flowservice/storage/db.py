"""Engine and session factory for SQLite (WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from flowservice.errors import UserError
from flowservice.storage import sqlite
from flowservice.storage.async_reads import AsyncReads
from flowservice.storage.compiled import Compiled, Statements
from flowservice.storage.readers import Readers, read_engine
from flowservice.storage.rows import Columns
from flowservice.storage.writelock import FifoLock

__all__ = ["Database", "normalize_url"]

UNSUPPORTED_DATABASE = "0001-400"


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine and its session factory."""

    # As many connections as Starlette has worker threads (anyio's default limit is 40), so a
    # busy service never closes and reopens overflow connections.
    def __init__(self, url: str, *, pool_size: int = 40, read_connections: int = 4) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise UserError(
                UNSUPPORTED_DATABASE, f"Unsupported database back end {self.dialect!r}."
            )
        # A local store (SQLite) answers short reads in microseconds, inline (fetch_all).
        self.local = self.dialect == "sqlite"
        self.engine = _create_engine(self.url, self.dialect, pool_size)
        self._reads = read_engine(self.url, self.dialect, pool_size)
        self._readers = Readers(self._reads, keep=pool_size)
        self._async_reads = None if self.local else AsyncReads(self.url, read_connections)
        self._statements = Statements(
            self._reads.dialect if self._async_reads is None else self._async_reads.dialect
        )
        self._writers = FifoLock()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessions()

    def read(self) -> AbstractContextManager[Connection]:
        """``with db.read() as connection:`` a read-only connection outside any transaction.

        Each statement sees the last commit: for reads of one statement (a row by key, one
        page, a count), which need no snapshot across statements (flowservice.storage.readers).
        Reads that need one use ``engine.connect()``, which begins a transaction.
        """
        return self._readers.lend()

    async def fetch_first(
        self, statement: Select[Any], values: Mapping[str, Any]
    ) -> Columns | None:
        """The first row of a short read, from the event loop (see ``fetch_all``)."""
        rows = await self.fetch_all(statement, values)
        return rows[0] if rows else None

    async def fetch_all(
        self, statement: Select[Any], values: Mapping[str, Any]
    ) -> Sequence[Columns]:
        """The rows of a short read (by key, one page, a count), from the event loop.

        SQLAlchemy's statement, run on the driver's connection (flowservice.storage.compiled):
        inline on SQLite, where a local read costs less than any hand-off; on PostgreSQL on
        the loop's own connections (flowservice.storage.async_reads).
        """
        compiled = self._statements.compile(statement, values)
        return compiled.records(await self._fetch(compiled))

    async def fetch_tuples(
        self, statement: Select[Any], values: Mapping[str, Any]
    ) -> Sequence[tuple[Any, ...]]:
        """``fetch_all``'s rows as the driver's tuples, in the statement's column order, for
        statements whose columns need no converting (ids, strings, integers)."""
        compiled = self._statements.compile(statement, values)
        assert not compiled.processed, "these columns need converting: use fetch_all"
        return await self._fetch(compiled)

    async def _fetch(self, compiled: Compiled) -> list[tuple[Any, ...]]:
        if self._async_reads is not None:
            return await self._async_reads.fetch(compiled)
        with self.read() as connection:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(compiled.sql, compiled.parameters)
                rows = cast(list[tuple[Any, ...]], cursor.fetchall())
            finally:
                cursor.close()
        return rows

    async def close_reads(self) -> None:
        """Close the event loop's read connections (on the loop, at shutdown)."""
        if self._async_reads is not None:
            await self._async_reads.close()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a write transaction, committed on exit (rolled back on an exception).

        On SQLite the process's writers queue on a FIFO lock first, then take the write lock
        up front (``BEGIN IMMEDIATE``), so a transaction never fails half-way on "database is
        locked" and never sleeps in the busy handler behind a writer of this process.
        """
        if not self.local:
            with self.sessions() as session, session.begin():
                yield session
            return
        with self._writers, self.sessions() as session, session.begin():
            session.connection(execution_options={sqlite.IMMEDIATE: True})  # BEGIN IMMEDIATE here
            yield session

    def dispose(self) -> None:
        self._readers.close()
        self._reads.dispose()
        self.engine.dispose()


def _create_engine(url: str, dialect: str, pool_size: int) -> Engine:
    if dialect == "sqlite":
        return _sqlite_engine(url, pool_size)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        json_deserializer=orjson.loads,
    )


def _sqlite_engine(url: str, pool_size: int) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=10,
        connect_args={"check_same_thread": False, "timeout": 30},
        # JSON columns read with orjson (the stdlib decoder was a tenth of a list page's time).
        json_deserializer=orjson.loads,
    )
    event.listen(engine, "connect", sqlite.pragmas)
    event.listen(engine, "begin", sqlite.begin)
    return engine
