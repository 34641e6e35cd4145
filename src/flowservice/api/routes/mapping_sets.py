"""Data Prep ``/mappingSets`` (dataflows §13.1), under ``/data/foundation/conversion``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from flowservice.api.deps import Body, CurrentTenant, ServicesDep
from flowservice.api.responses import json_response
from flowservice.api.schemas import errors
from flowservice.mappings.service import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(tags=["data prep"])


@router.post("/mappingSets", status_code=201, responses=errors(), response_model=dict[str, Any])
def create_mapping_set(tenant: CurrentTenant, services: ServicesDep, body: Body) -> Response:
    """`{"mappings": [{"sourceType", "source", "destination"}]}`: version 0 of a mapping set."""
    created = services.mappings.create(tenant, body)
    location = f"/data/foundation/conversion/mappingSets/{created['id']}"
    return json_response(created, 201, {"Location": location})


@router.get("/mappingSets", responses=errors(), response_model=dict[str, Any])
def list_mapping_sets(
    tenant: CurrentTenant,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    start: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    """`{"data": [...], "_page": {"limit", "count"}}`, oldest first."""
    return json_response(services.mappings.search(tenant, limit, start))


@router.get("/mappingSets/{mapping_id}", responses=errors(), response_model=dict[str, Any])
def get_mapping_set(
    mapping_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    version: Annotated[int | None, Query(ge=0, le=2**31)] = None,
) -> Response:
    return json_response(services.mappings.get(tenant, mapping_id, version))


@router.put("/mappingSets/{mapping_id}", responses=errors(), response_model=dict[str, Any])
def replace_mapping_set(
    mapping_id: str, tenant: CurrentTenant, services: ServicesDep, body: Body
) -> Response:
    """A new version of the mapping set, made current; earlier versions stay readable."""
    return json_response(services.mappings.replace(tenant, mapping_id, body))
