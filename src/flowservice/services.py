"""The composition root: builds every service once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from flowservice.catalog import Catalog
from flowservice.catalog.flow_specs import FlowSpecs
from flowservice.connections.service import ConnectionService
from flowservice.datasets.export import DataAccessService
from flowservice.datasets.lake import Lake
from flowservice.datasets.service import BatchService, DatasetService
from flowservice.drivers.registry import DriverRegistry
from flowservice.explore import ExploreService
from flowservice.flows.flows import FlowService
from flowservice.flows.sources import SourceConnectionService
from flowservice.flows.tables import flows_using_base
from flowservice.flows.targets import TargetConnectionService
from flowservice.identity.authenticator import Authenticator
from flowservice.mappings.service import MappingSetService
from flowservice.resources.secrets import SecretParams
from flowservice.runs.service import RunService
from flowservice.settings import Settings
from flowservice.storage.db import Database
from flowservice.storage.models import Connection
from flowservice.tenancy import Tenant
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
    flow_specs: FlowSpecs
    datasets: DatasetService
    batches: BatchService
    mappings: MappingSetService
    sources: SourceConnectionService
    targets: TargetConnectionService
    flows: FlowService
    runs: RunService
    export: DataAccessService

    @classmethod
    def build(cls, settings: Settings) -> Services:
        db = Database(
            settings.sqlalchemy_url,
            pool_size=settings.threads,
            read_connections=settings.read_connections,
        )
        catalog = Catalog.load()
        vault = Vault(load_master_key(settings))
        # Every table whose records hold sealed secrets: key rotation re-seals them all.
        secrets = SecretParams(db, vault, [Connection.__table__])  # type: ignore[list-item]
        connections = ConnectionService(
            db, catalog, secrets, DriverRegistry(settings), in_use=lambda t, i: base_users(db, t, i)
        )
        datasets = DatasetService(db, Lake(settings.resolved_home / "lake"))
        mappings = MappingSetService(db)
        sources = SourceConnectionService(
            db, catalog, connections.row, connections.check_source_path
        )
        targets = TargetConnectionService(db, catalog, datasets.row)
        flow_specs = FlowSpecs.load()
        # Runs look flows up and flows cancel runs: the lambda reads ``flows`` once it exists.
        runs = RunService(db, lambda tenant, flow_id: flows.reader.row(tenant, flow_id))
        flows = FlowService(
            db, flow_specs, sources.reader.row, targets.reader.row,
            lambda tenant: lambda mapping_id, version: mappings.exists(tenant, mapping_id, version),
            runs.cancel_for_flow,
        )  # fmt: skip
        return cls(
            settings=settings,
            db=db,
            catalog=catalog,
            authenticator=Authenticator(db, settings.auth_cache_seconds),
            connections=connections,
            explore=ExploreService(connections, settings.source_deadline),
            secrets=secrets,
            flow_specs=flow_specs,
            datasets=datasets,
            batches=BatchService(db),
            mappings=mappings,
            sources=sources,
            targets=targets,
            flows=flows,
            runs=runs,
            export=DataAccessService(db, datasets),
        )

    def close(self) -> None:
        self.db.dispose()


def base_users(db: Database, tenant: Tenant, connection_id: str) -> list[str]:
    """The flows reading from a base connection (through their source connections)."""
    with db.read() as connection:
        return flows_using_base(connection, tenant, connection_id)
