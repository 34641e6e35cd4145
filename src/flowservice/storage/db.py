"""Engine and session factory for SQLite (WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from flowservice.errors import UserError
from flowservice.storage.writelock import FifoLock

__all__ = ["Database", "normalize_url"]

UNSUPPORTED_DATABASE = "0001-400"
IMMEDIATE = "flowservice_immediate"  # execution option: begin with BEGIN IMMEDIATE


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
    def __init__(self, url: str, *, pool_size: int = 40) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise UserError(
                UNSUPPORTED_DATABASE, f"Unsupported database back end {self.dialect!r}."
            )
        # A local store (SQLite) answers short reads in microseconds: see flowservice.api.reads.
        self.local = self.dialect == "sqlite"
        self.engine = _create_engine(self.url, self.dialect, pool_size)
        self._writers = FifoLock()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessions()

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
            session.connection(execution_options={IMMEDIATE: True})  # BEGIN IMMEDIATE here
            yield session

    def dispose(self) -> None:
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
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection: Any) -> None:
    # pysqlite's own transaction handling is off (see _sqlite_pragmas): SQLAlchemy's recipe
    # for choosing the BEGIN. Writers take the write lock at once; everything else defers.
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; busy_timeout makes writers queue instead
    # of failing with "database is locked"; foreign keys are off by default in SQLite.
    # No BEGIN from pysqlite itself: _sqlite_begin issues it, so writers can say IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
