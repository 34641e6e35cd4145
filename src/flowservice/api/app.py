"""The app factory: ``create_app(settings)`` wires the services, routes and error rendering."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI

from flowservice import __version__
from flowservice.api.docs_pages import install_docs_pages
from flowservice.api.errors import install_error_handlers
from flowservice.api.middleware import RequestContextMiddleware
from flowservice.api.openapi import build_document
from flowservice.api.routes import (
    connection_specs,
    connections,
    dataflows,
    datasets,
    explore,
    export,
    flow_specs,
    health,
    ims,
    mapping_sets,
)
from flowservice.api.routing import mount
from flowservice.logs import quiet_libraries
from flowservice.services import Services
from flowservice.settings import Settings

__all__ = ["create_app"]

BASE_PATH = "/data/foundation/flowservice"
CATALOG_PATH = "/data/foundation/catalog"
CONVERSION_PATH = "/data/foundation/conversion"
EXPORT_PATH = "/data/foundation/export"
# Every router and the prefix it is mounted under (a test checks the OpenAPI document covers them).
ROUTERS = (
    (health.router, ""),
    (ims.router, ""),
    (connection_specs.router, BASE_PATH),
    (connections.router, BASE_PATH),
    (explore.router, BASE_PATH),
    (flow_specs.router, BASE_PATH),
    (dataflows.router, BASE_PATH),
    (datasets.router, CATALOG_PATH),
    (mapping_sets.router, CONVERSION_PATH),
    (export.router, EXPORT_PATH),
)

# The reads clients poll (scripts waiting on a run, consoles refreshing a list or a flow): matched
# before the other routes (see flowservice.api.routing).
POLLED = tuple(
    f"{BASE_PATH}/{path}"
    for resource in ("runs", "flows", "connections", "sourceConnections", "targetConnections")
    for path in (resource, f"{resource}/{{id}}")
)


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the ASGI app; ``services`` may be given to share them with the caller (tests, CLI)."""
    quiet_libraries()
    built = services or Services.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking work (store reads, S3 calls) runs on this many threads. More threads than
        # the GIL can feed only add switching: short store reads go faster with fewer.
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        scheduler = _start_scheduler(built) if settings.scheduler else None
        executor = _start_executor(built) if settings.worker else None
        yield
        if scheduler is not None:
            scheduler.stop()
        if executor is not None:
            executor.stop(settings.worker_shutdown_seconds)
        await built.db.close_reads()
        if services is None:
            built.close()

    app = FastAPI(
        title="flowservice",
        version=__version__,
        summary="A self-hostable, wire-compatible Flow Service API for cloud-storage sources.",
        lifespan=lifespan,
        redirect_slashes=False,
        docs_url=None,  # see install_docs_pages: the defaults load their assets from CDNs
        redoc_url=None,
    )
    app.state.services = built
    mount(app, ROUTERS, polled=POLLED)
    install_docs_pages(app)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _start_scheduler(services: Services) -> Any:
    """The in-process scheduler (``FLOWSERVICE_SCHEDULER``): replicas may all run one."""
    from flowservice.scheduling.scheduler import Scheduler

    scheduler = Scheduler(
        services.db, services.settings.scheduler_poll_seconds, services.runs.created.set
    )
    scheduler.start()
    return scheduler


def _start_executor(services: Services) -> Any:
    """The in-process executor of runs (``FLOWSERVICE_WORKER``), one per API process."""
    from flowservice.ingestion.executor import LocalExecutor

    executor = LocalExecutor(services)
    executor.start()
    return executor


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Built once: see flowservice.api.openapi."""
    if app.openapi_schema:
        return app.openapi_schema
    document = build_document(app, ROUTERS, connections.DOC_MODELS)
    app.openapi_schema = document
    return document
