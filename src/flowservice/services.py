"""The composition root: builds every service once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from flowservice.catalog import Catalog
from flowservice.connections.service import ConnectionService
from flowservice.drivers.registry import DriverRegistry
from flowservice.explore import ExploreService
from flowservice.identity.authenticator import Authenticator
from flowservice.settings import Settings
from flowservice.storage.db import Database
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

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = Database(settings.sqlalchemy_url, pool_size=settings.threads)
        catalog = Catalog.load()
        vault = Vault(load_master_key(settings))
        connections = ConnectionService(db, catalog, vault, DriverRegistry(settings))
        return cls(
            settings=settings,
            db=db,
            catalog=catalog,
            authenticator=Authenticator(db, settings.auth_cache_seconds),
            connections=connections,
            explore=ExploreService(connections, settings.source_deadline),
        )

    def close(self) -> None:
        self.db.dispose()
