"""The OpenAPI document describes every route, header and error the service has."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from tests.conftest import s3_connection_body
from tests.support.live import LiveServer

BASE = "/data/foundation/flowservice"
HEADERS = {"authorization", "x-api-key", "x-gw-ims-org-id", "x-sandbox-name"}


@pytest.fixture(scope="module")
def document(live: LiveServer) -> dict[str, Any]:
    response = httpx.get(f"{live.root_url}/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, item in document["paths"].items() for m, op in item.items()]


def test_every_app_route_is_documented(document: dict[str, Any]) -> None:
    from fastapi.routing import APIRoute

    from flowservice.api.app import ROUTERS

    routes = {
        (prefix + route.path, method.lower())
        for router, prefix in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    documented = {(p, m) for p, m, _ in _operations(document)}
    assert routes == documented
    assert (f"{BASE}/connections", "post") in documented


def test_every_api_operation_documents_the_four_headers_and_errors(
    document: dict[str, Any],
) -> None:
    for path, _method, operation in _operations(document):
        if not path.startswith(BASE):
            continue
        names = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
        assert names >= HEADERS, path
        assert {"400", "401", "403", "404", "500"} <= set(operation["responses"]), path


LISTS = ("connections", "sourceConnections", "targetConnections", "flows", "runs")


def test_lists_document_the_query_their_handlers_read_and_no_422(
    document: dict[str, Any],
) -> None:
    for resource in LISTS:
        operation = document["paths"][f"{BASE}/{resource}"]["get"]
        names = [p["name"] for p in operation["parameters"]]
        assert names[:5] == ["limit", "continuationToken", "orderby", "count", "property"]
        assert names[5:] == ["authorization", "x-api-key", "x-gw-ims-org-id", "x-sandbox-name"]
    for path, _method, operation in _operations(document):
        assert "422" not in operation["responses"], path  # refusals are 400 (1452-400)


def test_documented_shapes_match_real_responses(
    live: LiveServer, api: httpx.Client, document: dict[str, Any]
) -> None:
    schemas = document["components"]["schemas"]
    created = api.post("/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b"))
    _validate(created.json(), "Created", schemas)
    _validate(api.get(f"/connections/{created.json()['id']}").json(), "ConnectionItems", schemas)
    _validate(api.get("/connections/nope").json(), "Problem", schemas)
    _validate(httpx.get(f"{live.api_url}/connections").json(), "GatewayErrorBody", schemas)
    create_body = s3_connection_body(s3AccessKey="a", s3SecretKey="b")
    _validate(create_body, "ConnectionCreate", schemas)


def _validate(instance: Any, name: str, schemas: dict[str, Any]) -> None:
    schema = {**schemas[name], "components": {"schemas": schemas}}
    resolver_doc = {"components": {"schemas": schemas}, **schemas[name]}
    jsonschema.validate(instance, resolver_doc if "$ref" not in schema else schema)
