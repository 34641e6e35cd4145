"""How this service opens SQLite: WAL, a busy timeout, foreign keys, and its own BEGIN."""

from __future__ import annotations

from typing import Any

__all__ = ["IMMEDIATE", "begin", "pragmas", "read_only_pragmas"]

IMMEDIATE = "flowservice_immediate"  # execution option: begin with BEGIN IMMEDIATE


def pragmas(dbapi_connection: Any, _record: Any) -> None:
    """The ``connect`` event of every SQLite engine.

    WAL lets readers run beside the single writer; busy_timeout makes writers of other
    processes queue instead of failing with "database is locked"; foreign keys are off by
    default in SQLite. No BEGIN from pysqlite itself: ``begin`` issues it, so writers can say
    IMMEDIATE.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def read_only_pragmas(dbapi_connection: Any, record: Any) -> None:
    """The ``connect`` event of the read engine: as ``pragmas``, and refusing writes."""
    pragmas(dbapi_connection, record)
    dbapi_connection.execute("PRAGMA query_only=ON")


def begin(connection: Any) -> None:
    """The ``begin`` event of the write engine: SQLAlchemy's recipe for choosing the BEGIN.

    Writers take the write lock at once (``BEGIN IMMEDIATE``); everything else defers.
    """
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
