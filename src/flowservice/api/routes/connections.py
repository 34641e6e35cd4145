"""``/connections`` (contract §4): thin handlers over ConnectionService."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from flowservice.api.deps import Body, CurrentTenant, ServicesDep
from flowservice.api.listing import list_query, list_response
from flowservice.api.openapi import LIST_QUERY, documented
from flowservice.api.responses import json_response
from flowservice.api.schemas import ConnectionItems, ConnectionList, Count, Created, errors
from flowservice.connections.fields import FIELDS
from flowservice.connections.schemas import ConnectionCreate, PatchOperation
from flowservice.resources.etags import parse_if_match

router = APIRouter(tags=["connections"])

BASE = "/data/foundation/flowservice"
CREATE_BODY: dict[str, object] = {"$ref": "#/components/schemas/ConnectionCreate"}
PATCH_BODY: dict[str, object] = {
    "oneOf": [
        {"type": "array", "items": {"$ref": "#/components/schemas/PatchOperation"}},
        {"$ref": "#/components/schemas/PatchOperation"},
    ]
}
DOC_MODELS = (ConnectionCreate, PatchOperation)


def _body_doc(schema: dict[str, object]) -> dict[str, object]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@router.post(
    "/connections",
    status_code=201,
    response_model=Created,
    openapi_extra=_body_doc(CREATE_BODY),
    responses=errors(s413="Body over 1 MiB.", s415="Body without Content-Type: application/json."),
)
def create_connection(tenant: CurrentTenant, services: ServicesDep, body: Body) -> Response:
    created = services.connections.create(tenant, body)
    location = f"{BASE}/connections/{created.id}"
    return json_response(created.to_wire(), 201, {"Location": location})


@router.get(
    "/connections",
    response_model=ConnectionList | Count,
    responses=errors(),
    description="Keyset-paginated; the `next` link carries the whole query in its token.",
)
@documented(LIST_QUERY)
async def list_connections(
    request: Request, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    query = list_query(request, FIELDS, services.settings)
    return await list_response(services.connections.reader, tenant, query, "connections")


@router.get("/connections/{connection_id}", response_model=ConnectionItems, responses=errors())
async def get_connection(
    connection_id: str, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    connection = await services.connections.reader.get(tenant, connection_id)
    return json_response({"items": [connection]}, headers={"ETag": connection["etag"]})


@router.patch(
    "/connections/{connection_id}",
    response_model=Created,
    openapi_extra=_body_doc(PATCH_BODY),
    responses=errors(s412="If-Match is not the current etag (1404-412).", s415="Not JSON."),
)
def patch_connection(
    connection_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    body: Body,
    if_match: Annotated[
        str | None, Header(description="The etag, quoted or not (or a list: one must match).")
    ] = None,
) -> Response:
    precondition = parse_if_match(if_match, "connection")
    updated = services.connections.patch(tenant, connection_id, precondition, body)
    return json_response(updated.to_wire())


@router.delete("/connections/{connection_id}", status_code=204, responses=errors())
def delete_connection(connection_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
    services.connections.delete(tenant, connection_id)
    return Response(status_code=204)
