"""Shared fixtures: the live app on each storage back end, a tenant per test, an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flowservice.settings import Settings
from tests.support.databases import BACKENDS, database_url
from tests.support.live import LiveServer, free_port, live_server
from tests.support.tenants import TenantCredentials, new_tenant

S3_SPEC_ID = "ecadc60c-7455-4d87-84dc-2a0e293d997b"


def make_settings(home: Path, database: str, **overrides: object) -> Settings:
    """Settings for a test app: loopback S3 servers allowed, no auth cache (revocation is seen)."""
    values: dict[str, object] = {
        "home": home,
        "database_url": database,
        "port": free_port(),
        "auth_cache_seconds": 0,
        "allowed_endpoints": ("127.0.0.0/8",),
        "source_connect_timeout": 2,
        "source_read_timeout": 10,
        # Runs stay as POST /runs made them unless a test starts the executor itself.
        "worker": False,
        "scheduler": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=BACKENDS)
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app under uvicorn, once per back end for the whole session."""
    backend: str = request.param
    home = tmp_path_factory.mktemp(f"home-{backend}")
    with (
        database_url(backend, home) as url,
        live_server(make_settings(home, url), backend) as server,
    ):
        yield server


def own_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, **overrides: object
) -> Iterator[LiveServer]:
    """A server of a module's own (``request.param`` the back end), for tests that act on the
    whole store (claiming from the queue, ticking the scheduler)."""
    backend: str = request.param
    home = tmp_path_factory.mktemp(f"own-{backend}")
    with (
        database_url(backend, home) as url,
        live_server(make_settings(home, url, **overrides), backend) as server,
    ):
        yield server


@pytest.fixture
def tenant(live: LiveServer) -> TenantCredentials:
    return new_tenant(live.services.db)


@pytest.fixture
def api(live: LiveServer, tenant: TenantCredentials) -> Iterator[httpx.Client]:
    """An HTTP client for the API, sending the tenant's four headers."""
    with httpx.Client(base_url=live.api_url, headers=tenant.headers(), timeout=30) as client:
        yield client


def client_for(live: LiveServer, tenant: TenantCredentials, base: str) -> httpx.Client:
    """An HTTP client for one of the APIs (``/data/foundation/<base>``) with the four headers."""
    url = f"{live.root_url}/data/foundation/{base}"
    return httpx.Client(base_url=url, headers=tenant.headers(), timeout=30)


@pytest.fixture
def catalog(live: LiveServer, tenant: TenantCredentials) -> Iterator[httpx.Client]:
    """The Catalog Service API (datasets, batches) for the test's tenant."""
    with client_for(live, tenant, "catalog") as client:
        yield client


@pytest.fixture
def conversion(live: LiveServer, tenant: TenantCredentials) -> Iterator[httpx.Client]:
    """The Data Prep API (mapping sets) for the test's tenant."""
    with client_for(live, tenant, "conversion") as client:
        yield client


@pytest.fixture
def export(live: LiveServer, tenant: TenantCredentials) -> Iterator[httpx.Client]:
    """The Data Access API (batch files and diagnostics) for the test's tenant."""
    with client_for(live, tenant, "export") as client:
        yield client


def s3_connection_body(**params: str) -> dict[str, object]:
    """The tutorial's POST body, with the given auth params."""
    return {
        "name": "Amazon S3 base connection",
        "description": "Amazon S3 base connection with temporary session token",
        "auth": {"specName": "Access Key", "params": params},
        "connectionSpec": {"id": S3_SPEC_ID, "version": "1.0"},
    }


# Real S3 servers (moto with IAM auth enforced, rclone serve s3), started once per session.
from tests.support.s3servers import moto_s3, rclone_s3, s3_server, service_identity  # noqa: E402

__all__ = ["moto_s3", "rclone_s3", "s3_server", "service_identity"]
