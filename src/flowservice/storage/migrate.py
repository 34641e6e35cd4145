"""Apply the Alembic migrations (one tree, both back ends)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from flowservice.storage.db import Database

__all__ = ["current_revision", "downgrade", "upgrade"]

_SCRIPTS = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same for every replica of the service.
_PG_LOCK_ID = 0x466C6F77


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Upgrade the schema; replicas starting together on PostgreSQL take turns."""
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        command.upgrade(_config(connection), revision)


def downgrade(database: Database, revision: str) -> None:
    with database.engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
