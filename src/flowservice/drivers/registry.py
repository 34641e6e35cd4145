"""Maps a spec's ``driver`` name to a driver instance (one per name, created on first use)."""

from __future__ import annotations

import threading

from flowservice.catalog import ConnectionSpec
from flowservice.drivers.base import Driver
from flowservice.errors import InternalError
from flowservice.settings import Settings

__all__ = ["DriverRegistry"]


class DriverRegistry:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._drivers: dict[str, Driver] = {}
        self._lock = threading.Lock()

    def __call__(self, spec: ConnectionSpec) -> Driver:
        if spec.driver is None:
            raise InternalError(f"The connection spec {spec.name} has no driver.")
        with self._lock:
            driver = self._drivers.get(spec.driver)
            if driver is None:
                driver = self._drivers[spec.driver] = self._create(spec.driver)
        return driver

    def _create(self, name: str) -> Driver:
        # Imported here: boto3 is heavy and only needed once a connection is used.
        if name == "s3":
            from flowservice.drivers.s3 import S3Driver

            return S3Driver(self._settings)
        raise InternalError(f"No driver named {name!r}.")
