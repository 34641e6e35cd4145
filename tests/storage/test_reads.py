"""Reads: outside transactions on kept connections, always seeing the last commit, refusing
writes, and replacing a connection the database dropped while it sat idle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from flowservice.storage import readers
from flowservice.storage.db import Database
from tests.support.databases import BACKENDS, database_url


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        database = Database(url, pool_size=4)
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE counters (n INTEGER NOT NULL)"))
            connection.execute(text("INSERT INTO counters VALUES (0)"))
        yield database
        database.dispose()


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
    with pytest.raises(DBAPIError, match="readonly|read-only"), db.read() as connection:
        connection.execute(text("UPDATE counters SET n = 99"))
    assert read_n(db) == 0  # and the next read is answered


def test_an_error_of_the_caller_keeps_the_connection(db: Database) -> None:
    first = backend_pid(db)
    with pytest.raises(LookupError), db.read() as connection:
        connection.execute(text("SELECT n FROM counters")).scalar_one()
        raise LookupError("not found")
    assert backend_pid(db) == first


def test_an_idle_connection_the_server_dropped_is_replaced(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.local:
        pytest.skip("a SQLite file has no server to drop connections")
    dropped = backend_pid(db)
    with db.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    monkeypatch.setattr(readers, "IDLE_PING_SECONDS", 0.0)
    assert read_n(db) == 0  # the ping found it dead: a new connection answered
    assert backend_pid(db) != dropped
