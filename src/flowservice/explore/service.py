"""Test, list and preview, for one connection of the caller's org and sandbox."""

from __future__ import annotations

from typing import Any

from flowservice.connections.service import ConnectionService, OpenConnection
from flowservice.deadlines import deadline
from flowservice.drivers.base import Driver, Page, TestReport
from flowservice.explore.query import ExploreQuery
from flowservice.preview import preview
from flowservice.tenancy import Tenant

__all__ = ["ExploreService"]


class ExploreService:
    """Listing and preview run under one deadline each (the test has its own, shorter one)."""

    def __init__(self, connections: ConnectionService, deadline_seconds: float) -> None:
        self._connections = connections
        self._deadline = deadline_seconds

    def _open(self, tenant: Tenant, connection_id: str) -> tuple[OpenConnection, Driver]:
        opened = self._connections.open(tenant, connection_id)
        return opened, self._connections.driver(opened.spec)

    def test(self, tenant: Tenant, connection_id: str) -> TestReport:
        opened, driver = self._open(tenant, connection_id)
        return driver.test(opened.auth_spec_name, opened.params)

    def listing(self, tenant: Tenant, connection_id: str, query: ExploreQuery) -> Page:
        opened, driver = self._open(tenant, connection_id)
        with deadline(self._deadline):
            if query.object_type == "root":
                return driver.list_root(
                    opened.auth_spec_name, opened.params, query.limit, query.token
                )
            assert query.path is not None  # the query parser requires it for folders
            return driver.list_folder(
                opened.auth_spec_name, opened.params, query.path, query.limit, query.token
            )

    def preview(self, tenant: Tenant, connection_id: str, query: ExploreQuery) -> dict[str, Any]:
        """The file's preview; without ``preview=true`` only its format and schema."""
        assert query.path is not None
        assert query.options is not None
        opened, driver = self._open(tenant, connection_id)
        with deadline(self._deadline):
            source = driver.open_file(opened.auth_spec_name, opened.params, query.path)
            document = preview(source, query.options)
        if not query.preview:
            document.pop("data", None)
        return document
