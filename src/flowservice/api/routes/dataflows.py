"""``/sourceConnections``, ``/targetConnections``, ``/flows`` and ``/runs`` (dataflows §3-§7)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response

from flowservice.api.deps import Body, CurrentTenant, ServicesDep
from flowservice.api.listing import list_query, list_response
from flowservice.api.openapi import RUN_LIST_QUERY, documented
from flowservice.api.resource_routes import add_resource_routes
from flowservice.api.responses import json_response
from flowservice.api.schemas import Created, errors
from flowservice.flows.tables import FLOW_FIELDS, SOURCE_FIELDS, TARGET_FIELDS
from flowservice.resources.etags import optional_if_match
from flowservice.resources.filters import parse_filter
from flowservice.runs.service import RUN_FIELDS

router = APIRouter()

add_resource_routes(
    router, "sourceConnections", SOURCE_FIELDS, lambda s: s.sources, singular="source connection"
)
add_resource_routes(
    router, "targetConnections", TARGET_FIELDS, lambda s: s.targets, singular="target connection"
)
add_resource_routes(router, "flows", FLOW_FIELDS, lambda s: s.flows, singular="flow")


@router.post("/flows/{flow_id}/action", response_model=Created, tags=["flows"],
             responses=errors(s412="If-Match sent and not current (1404-412)."))  # fmt: skip
def flow_action(
    flow_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    op: Annotated[str | None, Query(description="enable or disable (any case).")] = None,
    if_match: Annotated[str | None, Header(description="Optional: checked only if sent.")] = None,
) -> Response:
    """Enable or disable a flow; no body. Disabling lets a running run finish."""
    written = services.flows.act(tenant, flow_id, op, optional_if_match(if_match))
    return json_response(written.to_wire())


@router.get("/runs", responses=errors(), tags=["runs"])
@documented(RUN_LIST_QUERY)
async def list_runs(request: Request, tenant: CurrentTenant, services: ServicesDep) -> Response:
    """Newest first; `property=flowId==<id>` lists one flow's runs."""
    query = list_query(request, RUN_FIELDS, services.settings)
    return await list_response(services.runs.reader, tenant, query, "runs")


@router.get("/flows/{flow_id}/runs", responses=errors(), tags=["runs"])
async def list_flow_runs(
    flow_id: str, request: Request, tenant: CurrentTenant, services: ServicesDep
) -> Response:
    """Beyond: the same as `GET /runs?property=flowId==<id>`."""
    await services.flows.reader.get(tenant, flow_id)  # 404 unless the flow exists
    query = list_query(request, RUN_FIELDS, services.settings)
    by_flow = f"flowId=={flow_id}"
    query = replace(
        query,
        properties=(*query.properties, by_flow),
        filters=(*query.filters, parse_filter(by_flow, RUN_FIELDS)),
    )
    return await list_response(services.runs.reader, tenant, query, "runs")


@router.post("/runs", status_code=201, responses=errors(), tags=["runs"])
def create_run(tenant: CurrentTenant, services: ServicesDep, body: Body) -> Response:
    """An ad-hoc run of an enabled flow: `{"flowId", "params"?}`."""
    written = services.runs.create(tenant, body)
    wire = written.to_wire()
    return json_response(
        {**wire, "items": [wire]},
        201,
        {"Location": f"/data/foundation/flowservice/runs/{written.id}"},
    )


@router.get("/runs/{run_id}", responses=errors(), tags=["runs"])
async def get_run(run_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
    run = await services.runs.reader.get(tenant, run_id)
    return json_response({"items": [run]})
