"""The catalog of connection specs. Specs are JSON files in ``specs/``; each names its driver."""

from flowservice.catalog.catalog import AuthSpec, Catalog, ConnectionSpec
from flowservice.catalog.validation import validate_params

__all__ = ["AuthSpec", "Catalog", "ConnectionSpec", "validate_params"]
