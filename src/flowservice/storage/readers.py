"""The read path: read-only connections outside transactions, kept open between reads.

A short read (a row by key, one page, a count) needs no transaction and no snapshot across
statements. Through the ordinary pool each one paid a checkout, a BEGIN, a ROLLBACK on return,
and on PostgreSQL a ping: on SQLite ~70 µs for a read by key against ~20 µs here, on
PostgreSQL ~570 µs (four round trips) against ~180 µs (one) (docs/benchmarks.md).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from flowservice.storage import sqlite

__all__ = ["IDLE_PING_SECONDS", "Readers", "read_engine"]

# A connection idle this long may have been dropped (a database restart, an idle timeout at a
# proxy): it is pinged before it is lent again. Busy connections never pay the ping.
IDLE_PING_SECONDS = 5.0


def read_engine(url: str, dialect: str, pool_size: int) -> Engine:
    """An engine for reads: autocommit, and read-only at the connection.

    Autocommit, so there is no BEGIN and nothing to reset on return; read-only, so a write sent
    here by mistake fails instead of landing outside the writers' queue.
    """
    options: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": 10,
        "isolation_level": "AUTOCOMMIT",
        "pool_reset_on_return": None,
        "json_deserializer": orjson.loads,
    }
    if dialect == "sqlite":
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **options)
        event.listen(engine, "connect", sqlite.read_only_pragmas)
        return engine
    options["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    return create_engine(url, **options)


class Readers:
    """Open read connections, lent one at a time and kept between reads.

    At most ``keep`` idle ones are kept; each is used by one thread at a time (SQLite
    connections are opened with ``check_same_thread=False`` for this).
    """

    def __init__(self, engine: Engine, keep: int) -> None:
        self._engine = engine
        self._keep = keep
        self._idle: deque[tuple[Connection, float]] = deque()

    @contextmanager
    def lend(self) -> Iterator[Connection]:
        connection = self._take()
        broken = True
        try:
            yield connection
            broken = False
        except Exception as exc:
            # A driver error may have left the connection unusable; anything else (a
            # not-found raised while reading, say) did not touch it.
            broken = isinstance(exc, DBAPIError)
            raise
        finally:
            if broken or len(self._idle) >= self._keep:
                connection.close()
            else:
                self._idle.append((connection, time.monotonic()))

    def close(self) -> None:
        while self._idle:
            connection, _ = self._idle.pop()
            connection.close()

    def _take(self) -> Connection:
        while self._idle:
            try:
                connection, since = self._idle.pop()
            except IndexError:  # another thread took the last one
                break
            if time.monotonic() - since < IDLE_PING_SECONDS or _alive(connection):
                return connection
            connection.close()
        return self._engine.connect()


def _alive(connection: Connection) -> bool:
    try:
        connection.exec_driver_sql("SELECT 1").close()
    except DBAPIError:
        return False
    return True
