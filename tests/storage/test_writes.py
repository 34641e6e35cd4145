"""Write transactions: SQLite writers of one process queue in arrival order, never on the busy
handler; every back end commits on success and rolls back on an exception."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from flowservice.storage.db import Database
from flowservice.storage.writelock import FifoLock
from tests.storage.counters import counters_database
from tests.support.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from counters_database(request.param, tmp_path, pool_size=40)


def test_commit_and_rollback(db: Database) -> None:
    with db.write() as session:
        session.execute(text("UPDATE counters SET n = n + 1"))

    def fail_half_way() -> None:
        with db.write() as session:
            session.execute(text("UPDATE counters SET n = n + 100"))
            raise ValueError("half-way")

    with pytest.raises(ValueError, match="half-way"):
        fail_half_way()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counters")).scalar_one() == 1


def test_many_concurrent_writers_all_commit_without_locked_errors(db: Database) -> None:
    errors: list[BaseException] = []

    def add() -> None:
        try:
            for _ in range(10):
                with db.write() as session:
                    if db.local:
                        # Read, then write: deferred SQLite transactions doing this fail with
                        # "database is locked" under contention; these queue and all commit.
                        n = session.execute(text("SELECT n FROM counters")).scalar_one()
                        session.execute(text("UPDATE counters SET n = :n"), {"n": n + 1})
                    else:  # READ COMMITTED: the increment must be one statement
                        session.execute(text("UPDATE counters SET n = n + 1"))
        except BaseException as error:  # collected, re-raised by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=add) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counters")).scalar_one() == 320


def test_sqlite_writers_begin_immediate(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.write() as session:
        session.execute(text("SELECT 1"))
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 2"))
    assert statements == ["BEGIN IMMEDIATE", "SELECT 1", "BEGIN", "SELECT 2"]
    db.dispose()


def test_fifo_lock_serves_waiters_in_arrival_order() -> None:
    lock, order = FifoLock(), []
    lock.__enter__()
    threads = []
    for index in range(8):

        def wait(index: int = index) -> None:
            with lock:
                order.append(index)

        thread = threading.Thread(target=wait)
        thread.start()
        threads.append(thread)
        while len(lock._waiters) <= index:  # this waiter is queued before the next starts
            time.sleep(0.001)
    lock.__exit__(None, None, None)
    for thread in threads:
        thread.join()
    assert order == list(range(8))


def test_fifo_lock_refuses_a_nested_write() -> None:
    lock = FifoLock()
    with lock, pytest.raises(RuntimeError, match="inside another"), lock:
        pass
