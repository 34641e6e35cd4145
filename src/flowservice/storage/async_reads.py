"""Short reads on PostgreSQL from the event loop: asyncpg connections, kept open.

A read by key or one keyset page on PostgreSQL is a network round trip. Sent from a worker
thread, each one also paid the hop to the thread and back and the GIL hand-offs between the
loop and the thread; the API process spent most of a read's CPU there (docs/benchmarks.md:
``GET /connections/{id}`` at ~1,700 req/s through threads, ~2,700 from the loop). Here the
loop sends the statement itself and serves other requests while it waits.

On asyncpg, not psycopg (which every other statement of the service goes through): a read
costs the API process ~78 µs of CPU on asyncpg against ~118 µs on psycopg's async connections
here (4 at once, loopback), and ``GET /connections/{id}`` ran 1.3-1.45 times faster in paired
rounds (docs/benchmarks.md). The statements are SQLAlchemy's own, compiled once for asyncpg's
dialect (flowservice.storage.compiled); JSON is decoded with orjson, as the engine does.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from collections import deque
from typing import Any

import asyncpg
import orjson
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Dialect, make_url

from flowservice.storage import readers
from flowservice.storage.compiled import Compiled

__all__ = ["AsyncReads", "connect_arguments"]

READ_ONLY = {"default_transaction_read_only": "on"}
# libpq connection parameters asyncpg does not know (it would send them as server settings).
LIBPQ_ONLY = frozenset({
    "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout", "hostaddr", "channel_binding", "gssencmode", "requirepeer",
    "load_balance_hosts", "fallback_application_name", "sslcompression",
})  # fmt: skip


class AsyncReads:
    """At most ``size`` reads at once, each on a connection of its own, kept between reads."""

    def __init__(self, url: str, size: int) -> None:
        self._dsn, self._connect_options = connect_arguments(url)
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(size)
        self._idle: deque[tuple[asyncpg.Connection, float]] = deque()
        self.dialect: Dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]

    async def fetch(self, statement: Compiled) -> list[tuple[Any, ...]]:
        """The statement's rows as asyncpg returns them (JSON decoded, nothing else converted)."""
        self._bind_to_running_loop()
        async with self._slots:
            connection = await self._take()
            try:
                rows: list[Any] = await connection.fetch(statement.sql, *statement.parameters)
            except BaseException:
                connection.terminate()  # whatever went wrong, it is not lent again
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
            connection.terminate()
        self._slots = asyncio.Semaphore(self._size)
        self._loop = loop

    async def _take(self) -> asyncpg.Connection:
        while self._idle:
            connection, since = self._idle.pop()
            if time.monotonic() - since < readers.IDLE_PING_SECONDS or await _alive(connection):
                return connection
            connection.terminate()
        connection = await asyncpg.connect(self._dsn, **self._connect_options)
        # The service's JSON columns are PostgreSQL ``json``; reads never send JSON.
        await connection.set_type_codec(
            "json", schema="pg_catalog", encoder=_json_text, decoder=orjson.loads
        )
        return connection


def connect_arguments(url: str) -> tuple[str, dict[str, Any]]:
    """asyncpg's DSN and options for the service's database URL (a libpq URL for psycopg).

    asyncpg takes the libpq parameters of connections and TLS from the URL itself and sends any
    other as a server setting, so the libpq-only ones are translated (``connect_timeout`` in
    seconds, ``options`` of ``-c name=value`` settings) or left to psycopg (TCP keepalives and
    the like, which a server would refuse as settings).
    """
    parsed = make_url(url).set(drivername="postgresql")
    query = {k: v for k, v in parsed.query.items() if k not in LIBPQ_ONLY}
    options: dict[str, Any] = {"server_settings": dict(READ_ONLY)}
    if "connect_timeout" in query:
        options["timeout"] = float(str(query.pop("connect_timeout")))
    if "options" in query:
        words = shlex.split(str(query.pop("options")))
        settings = [w[2:] if w.startswith("-c") and len(w) > 2 else w for w in words if w != "-c"]
        for setting in settings:
            name, _, value = setting.partition("=")
            options["server_settings"].setdefault(name.strip(), value.strip())
    dsn = parsed.set(query=query).render_as_string(hide_password=False)
    return dsn, options


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


async def _alive(connection: asyncpg.Connection) -> bool:
    try:
        await connection.execute("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return False
    return True
