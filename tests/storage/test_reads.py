"""Reads: outside transactions on kept connections, always seeing the last commit, refusing
writes, and replacing a connection the database dropped while it sat idle; from the event loop,
the same rows as the blocking path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, column, func, make_url, select, table, text
from sqlalchemy.exc import DBAPIError

from flowservice.storage import readers
from flowservice.storage.async_reads import connect_arguments
from flowservice.storage.db import Database
from tests.storage.counters import counters_database
from tests.support.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from counters_database(request.param, tmp_path, pool_size=4)


@pytest.fixture
def server_db(tmp_path: Path) -> Iterator[Database]:
    """A database behind a server, which can drop a connection (PostgreSQL)."""
    yield from counters_database("postgresql", tmp_path, pool_size=4)


def read_n(db: Database) -> int:
    with db.read() as connection:
        return int(connection.execute(text("SELECT n FROM counters")).scalar_one())


def backend_pid(db: Database) -> object:
    with db.read() as connection:
        if db.local:
            return id(connection.connection.dbapi_connection)
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_kept_connection_sees_every_commit(db: Database) -> None:
    first = backend_pid(db)
    for expected in range(1, 4):
        with db.write() as session:
            session.execute(text("UPDATE counters SET n = n + 1"))
        assert read_n(db) == expected
    assert backend_pid(db) == first  # one connection, kept, and no stale snapshot on it


def test_read_connections_refuse_writes(db: Database) -> None:
    with pytest.raises(DBAPIError, match=r"readonly|read-only"), db.read() as connection:
        connection.execute(text("UPDATE counters SET n = 99"))
    assert read_n(db) == 0  # and the next read is answered


def test_an_error_of_the_caller_keeps_the_connection(db: Database) -> None:
    first = backend_pid(db)

    def read_then_fail() -> None:
        with db.read() as connection:
            connection.execute(text("SELECT n FROM counters")).scalar_one()
            raise LookupError("not found")

    with pytest.raises(LookupError):
        read_then_fail()
    assert backend_pid(db) == first


def test_an_idle_connection_the_server_dropped_is_replaced(
    server_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = server_db
    dropped = backend_pid(db)
    with db.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    monkeypatch.setattr(readers, "IDLE_PING_SECONDS", 0.0)
    assert read_n(db) == 0  # the ping found it dead: a new connection answered
    assert backend_pid(db) != dropped


# -- from the event loop -------------------------------------------------------------------------

COUNTERS = table("counters", column("n"))


def test_loop_reads_return_what_the_blocking_path_returns(db: Database) -> None:
    with db.write() as session:
        session.execute(text("INSERT INTO counters VALUES (5), (7)"))
    ordered = select(COUNTERS.c.n).order_by(COUNTERS.c.n)
    chosen = ordered.where(COUNTERS.c.n.in_([0, 7]))  # an IN list, expanded per value

    async def read() -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
        every = await db.fetch_all(ordered, {})
        some = await db.fetch_all(chosen, {})
        first = await db.fetch_first(ordered.where(COUNTERS.c.n > bindparam("at")), {"at": 5})
        await db.close_reads()
        return [dict(r._mapping) for r in every], [dict(r._mapping) for r in some], first

    every, some, first = asyncio.run(read())
    with db.read() as connection:
        expected = [dict(r._mapping) for r in connection.execute(ordered)]
    assert every == expected == [{"n": 0}, {"n": 5}, {"n": 7}]
    assert some == [{"n": 0}, {"n": 7}]
    assert first is not None
    assert (first.n, first._mapping["n"]) == (7, 7)
    assert asyncio.run(db.fetch_first(ordered.where(COUNTERS.c.n > 7), {})) is None  # a new loop


def test_a_loop_connection_the_server_dropped_is_replaced(
    server_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = server_db  # on SQLite reads run inline, on the blocking path's connections
    pid = select(func.pg_backend_pid().label("pid"))

    async def read_twice() -> tuple[int, int, int]:
        row = await db.fetch_first(pid, {})
        assert row is not None
        with db.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": row.pid})
        monkeypatch.setattr(readers, "IDLE_PING_SECONDS", 0.0)
        again = await db.fetch_first(pid, {})
        n = await db.fetch_first(select(COUNTERS.c.n), {})
        await db.close_reads()
        assert again is not None
        assert n is not None
        return row.pid, again.pid, n.n

    dropped, answered, n = asyncio.run(read_twice())
    assert answered != dropped
    assert n == 0


def test_statements_built_per_request_read_their_own_values(db: Database) -> None:
    # Equivalent statements share one compilation (by SQLAlchemy's cache key); each must still
    # send its own literal values, IN lists included.
    with db.write() as session:
        session.execute(text("INSERT INTO counters VALUES (5), (7)"))

    async def read_each() -> list[list[int]]:
        found = []
        for wanted in ([5], [7], [0, 7], [0, 5, 7], [9]):
            rows = await db.fetch_all(
                select(COUNTERS.c.n).where(COUNTERS.c.n.in_(wanted)).order_by(COUNTERS.c.n), {}
            )
            found.append([row.n for row in rows])
        one = await db.fetch_first(select(COUNTERS.c.n).where(COUNTERS.c.n == 7), {})
        other = await db.fetch_first(select(COUNTERS.c.n).where(COUNTERS.c.n == 5), {})
        await db.close_reads()
        assert one is not None
        assert other is not None
        return [*found, [one.n, other.n]]

    assert asyncio.run(read_each()) == [[5], [7], [0, 7], [0, 5, 7], [], [7, 5]]


def test_loop_reads_on_postgresql_take_the_urls_settings_and_stay_read_only(
    server_db: Database,
) -> None:
    # libpq's connect_timeout and options are translated for asyncpg; the rest is its own.
    url = make_url(server_db.url).update_query_dict(
        {"connect_timeout": "5", "options": "-c statement_timeout=1234 -cwork_mem=8MB"}
    )
    db = Database(url.render_as_string(hide_password=False), pool_size=2)
    settings = select(
        func.current_setting("statement_timeout").label("timeout"),
        func.current_setting("work_mem").label("work_mem"),
        func.current_setting("default_transaction_read_only").label("read_only"),
    )

    async def read() -> Any:
        row = await db.fetch_first(settings, {})
        await db.close_reads()
        return row

    try:
        row = asyncio.run(read())
    finally:
        db.dispose()
    assert row is not None
    assert (row.timeout, row.work_mem, row.read_only) == ("1234ms", "8MB", "on")


def test_connect_arguments_keep_what_asyncpg_reads_itself() -> None:
    dsn, options = connect_arguments(
        "postgresql+psycopg://u:p%40ss@db.example:6543/app?sslmode=require&connect_timeout=3"
        "&application_name=fs&options=-c%20search_path%3Dflow&keepalives_idle=30"
    )
    assert dsn == "postgresql://u:p%40ss@db.example:6543/app?application_name=fs&sslmode=require"
    assert options == {
        "timeout": 3.0,
        "server_settings": {"default_transaction_read_only": "on", "search_path": "flow"},
    }
