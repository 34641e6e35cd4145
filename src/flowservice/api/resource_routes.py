"""The five routes every Flow Service resource has, made once: list, create, get, PATCH, DELETE.

A resource's service provides ``create(tenant, body)``, ``patch(tenant, id, if_match, body)``,
``delete(tenant, id)`` and a ``reader`` (:class:`~flowservice.resources.reader.Reader`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from starlette.responses import Response

from flowservice.api.deps import Body, CurrentTenant, ServicesDep
from flowservice.api.listing import list_query, list_response
from flowservice.api.openapi import RESOURCE_LIST_QUERY, documented
from flowservice.api.responses import json_response
from flowservice.api.schemas import Created, errors
from flowservice.resources.etags import parse_if_match
from flowservice.resources.fields import Fields
from flowservice.services import Services

__all__ = ["BASE", "add_resource_routes"]

BASE = "/data/foundation/flowservice"
PATCH_BODY: dict[str, object] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"oneOf": [
            {"type": "array", "items": {"$ref": "#/components/schemas/PatchOperation"}},
            {"$ref": "#/components/schemas/PatchOperation"},
        ]}}},
    }
}  # fmt: skip


def add_resource_routes(
    router: APIRouter,
    resource: str,
    fields: Fields,
    service: Callable[[Services], Any],
    *,
    singular: str,
) -> None:
    """``/{resource}`` and ``/{resource}/{id}`` on ``router``."""

    @documented(RESOURCE_LIST_QUERY)
    async def list_items(
        request: Request, tenant: CurrentTenant, services: ServicesDep
    ) -> Response:
        query = list_query(request, fields, services.settings)
        return await list_response(service(services).reader, tenant, query, resource)

    def create(tenant: CurrentTenant, services: ServicesDep, body: Body) -> Response:
        created = service(services).create(tenant, body)
        return json_response(
            created.to_wire(), 201, {"Location": f"{BASE}/{resource}/{created.id}"}
        )

    async def get(resource_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
        item = await service(services).reader.get(tenant, resource_id)
        return json_response({"items": [item]}, headers={"ETag": item["etag"]})

    def patch(
        resource_id: str,
        tenant: CurrentTenant,
        services: ServicesDep,
        body: Body,
        if_match: Annotated[
            str | None, Header(description="The etag (or a list: one must match).")
        ] = None,
    ) -> Response:
        precondition = parse_if_match(if_match, singular)
        return json_response(
            service(services).patch(tenant, resource_id, precondition, body).to_wire()
        )

    def delete(resource_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
        service(services).delete(tenant, resource_id)
        return Response(status_code=204)

    tags: list[str | Enum] = [resource]
    router.add_api_route(
        f"/{resource}",
        list_items,
        methods=["GET"],
        responses=errors(),
        summary=f"List {resource}",
        tags=tags,
    )
    router.add_api_route(
        f"/{resource}",
        create,
        methods=["POST"],
        status_code=201,
        response_model=Created,
        responses=errors(s415="Not JSON."),
        summary=f"Create a {singular}",
        tags=tags,
    )
    router.add_api_route(
        f"/{resource}/{{resource_id}}",
        get,
        methods=["GET"],
        responses=errors(),
        summary=f"Get a {singular}",
        tags=tags,
    )
    router.add_api_route(
        f"/{resource}/{{resource_id}}",
        patch,
        methods=["PATCH"],
        response_model=Created,
        openapi_extra=PATCH_BODY,
        responses=errors(s412="If-Match is not the current etag (1404-412)."),
        summary=f"Update a {singular}",
        tags=tags,
    )
    router.add_api_route(
        f"/{resource}/{{resource_id}}",
        delete,
        methods=["DELETE"],
        status_code=204,
        responses=errors(),
        summary=f"Delete a {singular}",
        tags=tags,
    )
