"""One migration tree, on both back ends: it builds the models' schema and goes down cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from flowservice.storage.db import Database
from flowservice.storage.migrate import current_revision, downgrade, upgrade
from flowservice.storage.models import Base
from tests.support.databases import BACKENDS, database_url

MIGRATIONS = Path(__file__).resolve().parents[2] / "src/flowservice/storage/migrations/versions"
HEAD = max(p.name.split("_", 1)[0] for p in MIGRATIONS.glob("[0-9]*_*.py"))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_url(request.param, tmp_path) as url:
        database = Database(url)
        yield database
        database.dispose()


def test_upgrade_builds_exactly_the_models_schema(db: Database) -> None:
    upgrade(db)
    assert current_revision(db) == HEAD
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_downgrade_empties(db: Database) -> None:
    upgrade(db)
    upgrade(db)
    downgrade(db, "base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(db)
    assert "connections" in inspect(db.engine).get_table_names()
