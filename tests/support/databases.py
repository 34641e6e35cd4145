"""Test databases: a SQLite file per run, and a fresh PostgreSQL database per run when configured.

``FLOWSERVICE_TEST_DATABASE_URL`` points at a PostgreSQL server the suite may create databases on;
without it the PostgreSQL runs are skipped, unless ``FLOWSERVICE_TEST_REQUIRE_POSTGRES=1`` (set by
``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from flowservice.storage.db import normalize_url

BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str | None:
    url = os.environ.get("FLOWSERVICE_TEST_DATABASE_URL")
    return normalize_url(url) if url else None


def require_postgres() -> bool:
    return os.environ.get("FLOWSERVICE_TEST_REQUIRE_POSTGRES") == "1"


def _unavailable(reason: str) -> None:
    if require_postgres():
        pytest.fail(f"PostgreSQL is required in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL run skipped: {reason}")


@contextmanager
def database_url(backend: str, folder: Path) -> Iterator[str]:
    """A URL for a new, empty database of the given back end; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'flowservice.db'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        _unavailable("FLOWSERVICE_TEST_DATABASE_URL is not set")
        raise AssertionError("unreachable")
    yield from _postgres_database(admin)


def _postgres_database(admin: str) -> Iterator[str]:
    name = f"flowservice_test_{secrets.token_hex(6)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        engine.dispose()
        _unavailable(
            f"cannot reach {make_url(admin).render_as_string(hide_password=True)}: {exc.orig}"
        )
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
