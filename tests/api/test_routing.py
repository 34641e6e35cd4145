"""The app's routes: declared flat, the polled reads matched first, and no request matched by two
routes (which is what makes the matching order free to choose)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.routing import APIRoute

from flowservice.api.app import POLLED, ROUTERS, create_app
from flowservice.api.routing import declared
from tests.conftest import make_settings


def shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_routes_are_matched_polled_reads_first_and_documented_in_the_routers_order(
    tmp_path: Path,
) -> None:
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'flowservice.db'}"))
    routes = [r for r in app.router.routes if isinstance(r, APIRoute) and r.include_in_schema]
    polled = [r for r in routes if shape(r.path) in {shape(p) for p in POLLED}]
    gets = [r for r in polled if "GET" in (r.methods or ())]
    assert {shape(r.path) for r in gets} == {shape(p) for p in POLLED}  # every one exists
    assert routes[: len(gets)] == gets
    in_routers = [prefix + r.path for router, prefix in ROUTERS for r in router.routes]
    assert [r.path for r in declared(app)] == in_routers
    assert list(app.openapi()["paths"]) == list(dict.fromkeys(in_routers))


def test_no_request_is_matched_by_two_routes(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, f"sqlite:///{tmp_path / 'flowservice.db'}"))
    routes = [r for r in app.router.routes if isinstance(r, APIRoute)]
    for route in routes:
        sample = re.sub(r"\{[^}]*\}", "x1", route.path)
        for method in route.methods or ():
            others = [
                other.path
                for other in routes
                if other is not route
                and method in (other.methods or ())
                and other.path_regex.match(sample)
            ]
            assert not others, f"{method} {sample} is matched by {route.path} and {others}"
