"""Short reads on PostgreSQL from the event loop: psycopg's async connections, kept open.

A read by key or one keyset page on PostgreSQL is a network round trip. Sent from a worker
thread, each one also paid the hop to the thread and back and the GIL hand-offs between the
loop and the thread; the API process spent most of a read's CPU there (docs/benchmarks.md:
``GET /connections/{id}`` at ~1,700 req/s through threads, ~2,700 from the loop). Here the
loop sends the statement itself and serves other requests while it waits.

The statements are SQLAlchemy's own (the ones the sync path runs), compiled once for
PostgreSQL; rows come back as ``Record``s with the same column names and values (psycopg
decodes JSON with orjson, as the engine does).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from sqlalchemy import Select
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.sql.compiler import SQLCompiler

from flowservice.storage import readers
from flowservice.storage.rows import Record

__all__ = ["AsyncReads"]

COMPILED_KEPT = 256  # statements built per request (SQL filters) must not pile up


class AsyncReads:
    """At most ``size`` reads at once, each on a connection of its own, kept between reads."""

    def __init__(self, url: str, dialect: Dialect, size: int) -> None:
        self._conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._dialect = dialect
        self._size = size
        self._compiled: dict[Select[Any], SQLCompiler] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(size)
        self._idle: deque[tuple[psycopg.AsyncConnection[Any], float]] = deque()

    async def first(self, statement: Select[Any], values: Mapping[str, Any]) -> Record | None:
        rows = await self._fetch(statement, values)
        return rows[0] if rows else None

    async def all(self, statement: Select[Any], values: Mapping[str, Any]) -> list[Record]:
        return await self._fetch(statement, values)

    async def close(self) -> None:
        while self._idle:
            connection, _ = self._idle.pop()
            await connection.close()

    async def _fetch(self, statement: Select[Any], values: Mapping[str, Any]) -> list[Record]:
        sql, params = self._sql(statement, values)
        self._bind_to_running_loop()
        async with self._slots:
            connection = await self._take()
            try:
                cursor = await connection.execute(sql, params)
                rows = await cursor.fetchall()
            except BaseException:
                await connection.close()  # whatever went wrong, it is not lent again
                raise
            self._idle.append((connection, time.monotonic()))
        return [Record(row) for row in rows]

    def _sql(self, statement: Select[Any], values: Mapping[str, Any]) -> tuple[str, Any]:
        compiled = self._compiled.get(statement)
        if compiled is None:
            if len(self._compiled) >= COMPILED_KEPT:
                self._compiled.clear()
            compiled = statement.compile(dialect=self._dialect)
            self._compiled[statement] = compiled
        if compiled.post_compile_params:
            # IN lists (filters such as name==a,b) become one parameter per value only once
            # the values are known, as when SQLAlchemy executes the statement.
            expanded = compiled.construct_expanded_state(dict(values))
            return expanded.statement, expanded.parameters
        # The statement's own bound values (filters built per request) and the caller's.
        return compiled.string, compiled.construct_params(dict(values))

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
            row_factory=dict_row,
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
