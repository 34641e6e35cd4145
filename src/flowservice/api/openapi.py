"""The OpenAPI document, including the parameters handlers read themselves.

FastAPI resolves every declared ``Header``/``Query`` parameter on every request (about 10 µs
each, measured in docs/benchmarks.md), yet the gateway headers and a list's query are read
from the request by this service's own code (``get_tenant``, ``list_query``). So those
parameters are not declared on the handlers; they are declared here, as signatures FastAPI
renders into the same parameter objects, and added to the document of each route that reads
them. A handler that reads its list query from the request says which one with
:func:`documented`.

No ``from __future__ import annotations`` here: FastAPI evaluates these signatures' annotations,
and the list signatures close over their descriptions.
"""

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI, Header, Query
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from flowservice.api.routing import declared

__all__ = ["LIST_QUERY", "RESOURCE_LIST_QUERY", "RUN_LIST_QUERY", "build_document", "documented"]

Handler = TypeVar("Handler", bound=Callable[..., Any])
OptionalText = str | None
LIMIT = "Page size (default 50, at most 500)."
ORG_DOC = "The organization (ORG_ID)."


def _tenant_headers(
    authorization: Annotated[OptionalText, Header(description="`Bearer {ACCESS_TOKEN}`")] = None,
    x_api_key: Annotated[OptionalText, Header(description="The API client id (API_KEY).")] = None,
    x_gw_ims_org_id: Annotated[OptionalText, Header(description=ORG_DOC)] = None,
    x_sandbox_name: Annotated[OptionalText, Header(description="The sandbox, e.g. `prod`.")] = None,
) -> None:
    """The gateway headers of contract §1 (read by ``flowservice.api.deps.get_tenant``)."""


def _list_query(orderby_doc: str, count_doc: str, property_doc: str) -> Callable[..., None]:
    def signature(
        limit: Annotated[OptionalText, Query(description=LIMIT)] = None,
        continuationToken: Annotated[OptionalText, Query()] = None,
        orderby: Annotated[OptionalText, Query(description=orderby_doc)] = None,
        count: Annotated[OptionalText, Query(description=count_doc)] = None,
        property: Annotated[list[str] | None, Query(description=property_doc)] = None,
    ) -> None:
        """A Flow Service list's query (read by ``flowservice.api.listing.list_query``)."""

    return signature


def _parameters(signature: Callable[..., None]) -> list[dict[str, Any]]:
    """The parameter objects FastAPI makes of ``signature``'s parameters."""
    route = APIRoute("/", signature, methods=["GET"])
    document = get_openapi(title="", version="", routes=[route])
    parameters: list[dict[str, Any]] = document["paths"]["/"]["get"]["parameters"]
    return parameters


TENANT_HEADERS = _parameters(_tenant_headers)
LIST_QUERY = _parameters(
    _list_query(
        "name, createdAt, updatedAt; +/- prefix.",
        "`true`: return only {count}.",
        "`field==a,b`, !=, >, <, >=, <=.",
    )
)
RESOURCE_LIST_QUERY = _parameters(
    _list_query(
        "name, createdAt, updatedAt; +/- prefix.",
        "`true`: only {count}.",
        "`path==a,b`, !=, >, <, >=, <=; any field path, [] for arrays.",
    )
)
RUN_LIST_QUERY = _parameters(
    _list_query(
        "createdAt, updatedAt; +/- prefix.",
        "`true`: only {count}.",
        "e.g. `flowId==...`, `metrics.statusSummary.status==failed`.",
    )
)

_DOCUMENTED: dict[Callable[..., Any], list[dict[str, Any]]] = {}


def documented(parameters: list[dict[str, Any]]) -> Callable[[Handler], Handler]:
    """Mark a handler as reading ``parameters`` from the request itself."""

    def mark(handler: Handler) -> Handler:
        _DOCUMENTED[handler] = parameters
        return handler

    return mark


def build_document(
    app: FastAPI, routers: Any, extra_models: tuple[type[Any], ...]
) -> dict[str, Any]:
    """FastAPI's document, plus the parameters handlers read themselves and ``extra_models``
    (request bodies the handlers validate themselves). No 422 responses: a parameter FastAPI
    refuses is answered 400 (``flowservice.api.errors``), never 422."""
    routes = declared(app)  # the routers' order, not the order they are matched in
    document = get_openapi(title=app.title, version=app.version, routes=routes)
    paths = document.get("paths", {})
    for path, method, route in _routes(routers):
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        extra = list(_DOCUMENTED.get(route.endpoint, []))
        if _reads_tenant(route.dependant):
            extra += TENANT_HEADERS
        operation.get("responses", {}).pop("422", None)
        paths[path][method] = _with_parameters(operation, extra)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for model in extra_models:
        schemas[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        schemas.update(schemas[model.__name__].pop("$defs", {}))
    return document


def _routes(routers: Any) -> Iterator[tuple[str, str, APIRoute]]:
    for router, prefix in routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in route.methods or ():
                    yield prefix + route.path, method.lower(), route


def _reads_tenant(dependant: Dependant) -> bool:
    from flowservice.api.deps import get_tenant

    return any(d.call is get_tenant or _reads_tenant(d) for d in dependant.dependencies)


def _with_parameters(operation: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    """``operation`` with ``extra`` after its own parameters, where FastAPI puts parameters."""
    if not extra:
        return operation
    parameters = [*operation.get("parameters", []), *extra]
    result: dict[str, Any] = {}
    for key, value in operation.items():
        if key in ("requestBody", "responses") and "parameters" not in result:
            result["parameters"] = parameters
        result[key] = parameters if key == "parameters" else value
    result.setdefault("parameters", parameters)
    return result
