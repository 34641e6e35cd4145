"""``/flowSpecs`` (dataflows §5): read-only, served from data files."""

from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.responses import Response

from flowservice import codes
from flowservice.api.deps import CurrentTenant, ServicesDep
from flowservice.api.responses import json_response
from flowservice.api.schemas import SpecItems, errors
from flowservice.errors import NotFoundError, UserError

router = APIRouter(tags=["flow specs"])


@router.get("/flowSpecs", response_model=SpecItems, responses=errors())
def list_flow_specs(
    services: ServicesDep,
    _tenant: CurrentTenant,
    property: list[str] = Query(  # noqa: B008 - the contract's parameter name
        default=[], description='Filters on id, name, providerId, e.g. `name=="CloudStorageToAEP"`.'
    ),
) -> Response:
    return json_response({"items": services.flow_specs.find(property)})


@router.get("/flowSpecs/{spec_id}", response_model=SpecItems, responses=errors())
def get_flow_spec(spec_id: str, services: ServicesDep, _tenant: CurrentTenant) -> Response:
    spec = services.flow_specs.get(spec_id)
    if spec is None:
        raise NotFoundError("flowSpecs", spec_id)
    return json_response({"items": [spec.to_wire()]})


@router.post("/flowSpecs", responses=errors(s403="Flow specs are read-only here (2120-403)."))
def create_flow_spec(_tenant: CurrentTenant) -> Response:
    """Self-Serve Sources' flow specs are not supported: `2120-403`."""
    raise UserError(
        codes.READ_ONLY,
        "You do not have sufficient permissions to create flow specs: they are read-only here.",
        title="Forbidden",
    )
