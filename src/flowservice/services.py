"""The composition root: builds every service once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from flowservice.catalog import Catalog
from flowservice.connections.service import ConnectionService
from flowservice.drivers.registry import DriverRegistry
from flowservice.explore import ExploreService
from flowservice.identity.authenticator import Authenticator
from flowservice.resources.secrets import SecretParams
from flowservice.settings import Settings
from flowservice.storage.db import Database
from flowservice.storage.models import Connection
from flowservice.vault import Vault, load_master_key

__all__ = ["Services"]


@dataclass
class Services:
    settings: Settings
    db: Database
    catalog: Catalog
    authenticator: Authenticator
    connections: ConnectionService
    explore: ExploreService
    secrets: SecretParams

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = Database(settings.sqlalchemy_url, pool_size=settings.threads)
        catalog = Catalog.load()
        vault = Vault(load_master_key(settings))
        # Every table whose records hold sealed secrets: key rotation re-seals them all.
        secrets = SecretParams(db, vault, [Connection.__table__])  # type: ignore[list-item]
        connections = ConnectionService(db, catalog, secrets, DriverRegistry(settings))
        return cls(
            settings=settings,
            db=db,
            catalog=catalog,
            authenticator=Authenticator(db, settings.auth_cache_seconds),
            connections=connections,
            explore=ExploreService(connections, settings.source_deadline),
            secrets=secrets,
        )

    def close(self) -> None:
        self.db.dispose()
