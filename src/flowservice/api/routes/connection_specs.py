"""``/connectionSpecs`` (contract §3)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.responses import Response

from flowservice.api.deps import CurrentTenant, ServicesDep
from flowservice.api.responses import json_response
from flowservice.api.schemas import SpecItems, errors
from flowservice.errors import NotFoundError

router = APIRouter(tags=["connection specs"])


@router.get("/connectionSpecs", response_model=SpecItems, responses=errors())
def list_specs(
    services: ServicesDep,
    _tenant: CurrentTenant,
    property: list[str] = Query(  # noqa: B008 - the contract's parameter name
        default=[], description="Filters on id, name, providerId: `field==a,b`, `field!=a`, ..."
    ),
) -> Response:
    specs = services.catalog.find(property)
    return json_response({"items": specs})


@router.get("/connectionSpecs/{spec_id}", response_model=SpecItems, responses=errors())
def get_spec(spec_id: str, services: ServicesDep, _tenant: CurrentTenant) -> Response:
    spec = services.catalog.get(spec_id)
    if spec is None:
        raise NotFoundError("connectionSpecs", spec_id)
    return json_response({"items": [spec.to_wire()]})
