"""The HTTP API: the contract's routes over the service layer."""

from flowservice.api.app import create_app

__all__ = ["create_app"]
