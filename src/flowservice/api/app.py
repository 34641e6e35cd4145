"""The app factory: ``create_app(settings)`` wires the services, routes and error rendering."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

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


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    """Build the ASGI app; ``services`` may be given to share them with the caller (tests, CLI)."""
    quiet_libraries()
    built = services or Services.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking work (store reads, S3 calls) runs on this many threads. More threads than
        # the GIL can feed only add switching: short store reads go faster with fewer.
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        executor = _start_executor(built) if settings.worker else None
        yield
        if executor is not None:
            executor.stop()
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
    for router, prefix in ROUTERS:
        _mount(app, router, prefix)
    install_docs_pages(app)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


# What an APIRoute keeps of its declaration, to declare it again on the app.
ROUTE_OPTIONS = tuple(
    name
    for name in inspect.signature(APIRoute.__init__).parameters
    if name not in ("self", "path", "endpoint", "dependency_overrides_provider")
)


def _mount(app: FastAPI, router: APIRouter, prefix: str) -> None:
    """Declare ``router``'s routes on the app itself, under ``prefix``.

    Not ``include_router``: since FastAPI 0.16x an included router stays a nested router, and
    each request is matched against every router before it and then again inside its own
    (about 14 µs of a 175 µs read, docs/benchmarks.md). Declared on the app, routes are
    matched once, in order, as they were when FastAPI copied them.
    """
    for route in router.routes:
        assert isinstance(route, APIRoute), f"{route!r}: only API routes are mounted"
        options = {name: getattr(route, name) for name in ROUTE_OPTIONS}
        app.router.add_api_route(prefix + route.path, route.endpoint, **options)


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
