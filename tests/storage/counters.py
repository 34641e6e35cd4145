"""A database holding one table, ``counters`` with one row ``(0)``, for the storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from flowservice.storage.db import Database
from tests.support.databases import database_url


def counters_database(backend: str, folder: Path, *, pool_size: int) -> Iterator[Database]:
    with database_url(backend, folder) as url:
        database = Database(url, pool_size=pool_size)
        with database.engine.begin() as connection:
            connection.execute(text("CREATE TABLE counters (n INTEGER NOT NULL)"))
            connection.execute(text("INSERT INTO counters VALUES (0)"))
        yield database
        database.dispose()
