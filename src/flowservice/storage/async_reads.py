"""Short reads on PostgreSQL from the event loop: psycopg's async connections, kept open.

A read by key or one keyset page on PostgreSQL is a network round trip. Sent from a worker
thread, each one also paid the hop to the thread and back and the GIL hand-offs between the
loop and the thread; the API process spent most of a read's CPU there (docs/benchmarks.md:
``GET /connections/{id}`` at ~1,700 req/s through threads, ~2,700 from the loop). Here the
loop sends the statement itself and serves other requests while it waits.

The statements are SQLAlchemy's own (the ones the sync path runs), compiled once for
PostgreSQL (flowservice.storage.compiled); psycopg decodes JSON with orjson, as the engine does.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy.engine import make_url

from flowservice.storage import readers
from flowservice.storage.compiled import Compiled

__all__ = ["AsyncReads"]


class AsyncReads:
    """At most ``size`` reads at once, each on a connection of its own, kept between reads."""

    def __init__(self, url: str, size: int) -> None:
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(size)
        self._idle: deque[tuple[psycopg.AsyncConnection[Any], float]] = deque()

    async def fetch(self, statement: Compiled) -> list[tuple[Any, ...]]:
        """The statement's rows as psycopg returns them (JSON decoded, nothing else converted)."""
        self._bind_to_running_loop()
        async with self._slots:
            connection = await self._take()
            try:
                cursor = await connection.execute(statement.sql, statement.parameters)
                rows = await cursor.fetchall()
            except BaseException:
                await connection.close()  # whatever went wrong, it is not lent again
                raise
            self._idle.append((connection, time.monotonic()))
        return rows

    async def close(self) -> None:
        while self._idle:
            connection, _ = self._idle.pop()
            await connection.close()

    def _bind_to_running_loop(self) -> None:
        # Connections and the semaphore belong to one event loop; a new loop (a restarted
        # server in the same process) starts afresh, dropping what the old one left.
        loop = asyncio.get_running_loop()
        if loop is self._loop:
            return
        while self._idle:
            connection, _ = self._idle.pop()
            connection.pgconn.finish()
        self._slots = asyncio.Semaphore(self._size)
        self._loop = loop

    async def _take(self) -> psycopg.AsyncConnection[Any]:
        while self._idle:
            connection, since = self._idle.pop()
            if time.monotonic() - since < readers.IDLE_PING_SECONDS or await _alive(connection):
                return connection
            await connection.close()
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            options="-c default_transaction_read_only=on",
        )
        set_json_loads(orjson.loads, connection)
        return connection


async def _alive(connection: psycopg.AsyncConnection[Any]) -> bool:
    try:
        await connection.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True
