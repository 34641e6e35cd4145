"""How the routers' routes are declared on the app, and in which order they are matched.

Not ``include_router``: since FastAPI 0.16x an included router stays a nested router, and each
request is matched against every router before its own and then again inside it (about 14 µs
of a 175 µs read). Declared on the app, routes are matched once, one by one, in order, at about
1 µs each before the one that matches (``GET /runs/{id}`` was the 35th: 158 µs against 127 µs
when first, docs/benchmarks.md). So the reads clients poll are declared first. No two routes of
the app match the same request (a test checks), so the order changes only how long finding one
takes; the OpenAPI document keeps the routers' order (``declared``).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

__all__ = ["declared", "mount"]

# What an APIRoute keeps of its declaration, to declare it again on the app.
ROUTE_OPTIONS = tuple(
    name
    for name in inspect.signature(APIRoute.__init__).parameters
    if name not in ("self", "path", "endpoint", "dependency_overrides_provider")
)
DECLARED = "flowservice_declared_routes"  # app.state: the routes in the routers' order


def mount(
    app: FastAPI, routers: Sequence[tuple[APIRouter, str]], *, polled: Sequence[str] = ()
) -> None:
    """Declare every router's routes on the app under its prefix; GETs of ``polled`` paths
    first (a path's parameter names do not matter: ``/runs/{id}`` stands for ``/runs/{run_id}``).
    """
    routes = [(prefix + route.path, route) for router, prefix in routers for route in _api(router)]
    wanted = {_shape(path) for path in polled}

    def later(index: int) -> bool:
        path, route = routes[index]
        return not (_shape(path) in wanted and "GET" in (route.methods or ()))

    mounted: dict[int, APIRoute] = {}  # by position in the routers' order
    for index in sorted(range(len(routes)), key=later):  # stable: otherwise in the routers' order
        path, route = routes[index]
        options = {name: getattr(route, name) for name in ROUTE_OPTIONS}
        app.router.add_api_route(path, route.endpoint, **options)
        mounted[index] = app.router.routes[-1]  # type: ignore[assignment]
    setattr(app.state, DECLARED, [mounted[index] for index in range(len(routes))])


def declared(app: FastAPI) -> list[APIRoute]:
    """The mounted routes in the order the routers declare them (for the OpenAPI document)."""
    routes: list[APIRoute] = getattr(app.state, DECLARED)
    return routes


def _api(router: APIRouter) -> list[APIRoute]:
    routes = router.routes
    assert all(isinstance(r, APIRoute) for r in routes), "routers hold API routes only"
    return routes  # type: ignore[return-value]


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)
