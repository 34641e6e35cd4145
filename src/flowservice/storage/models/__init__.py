"""Tables, by area. Portable column types only: the same schema runs on SQLite and PostgreSQL."""

from flowservice.storage.models.base import Base
from flowservice.storage.models.catalog import Batch, Dataset
from flowservice.storage.models.connections import Connection
from flowservice.storage.models.flows import Flow, SourceConnection, TargetConnection
from flowservice.storage.models.identity import (
    AccessToken,
    ApiClient,
    Organization,
    Sandbox,
    VaultKey,
)
from flowservice.storage.models.mappings import MappingSet, MappingSetVersion
from flowservice.storage.models.runs import IngestedFile, Run, RunSelection

__all__ = [
    "AccessToken",
    "ApiClient",
    "Base",
    "Batch",
    "Connection",
    "Dataset",
    "Flow",
    "IngestedFile",
    "MappingSet",
    "MappingSetVersion",
    "Organization",
    "Run",
    "RunSelection",
    "Sandbox",
    "SourceConnection",
    "TargetConnection",
    "VaultKey",
]
