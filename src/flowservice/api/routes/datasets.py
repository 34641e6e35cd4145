"""Catalog Service ``/dataSets`` and ``/batches`` (dataflows §9), under their own base path."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from flowservice.api.deps import Body, CurrentTenant, ServicesDep
from flowservice.api.responses import json_response
from flowservice.api.schemas import errors
from flowservice.datasets.query import parse_catalog_query
from flowservice.datasets.service import PREVIEW_DEFAULT, PREVIEW_MAX

router = APIRouter(tags=["catalog"])

BASE = "/data/foundation/catalog"
LIST_DOC = (
    "A map keyed by id. Offset paging: `limit` (default 20, at most 100) and `start`; past the "
    "end the answer is `{}`. `orderBy=desc:created`, `properties=a,b`, `name=a,b` / `name=!a`, "
    "`property=` expressions, `createdAfter`/`createdBefore` (epoch ms)."
)


def _query(request: Request, simple: tuple[str, ...]) -> Any:
    params = dict(request.query_params)
    multi = {"property": request.query_params.getlist("property")}
    return parse_catalog_query(params, multi, simple)


@router.post("/dataSets", status_code=201, responses=errors(), response_model=list[str])
def create_dataset(tenant: CurrentTenant, services: ServicesDep, body: Body) -> Response:
    """`["@/dataSets/{id}"]`; `requestDataSource` is accepted and ignored."""
    created = services.datasets.create(tenant, body)
    location = f"{BASE}/dataSets/{created[0].rsplit('/', 1)[1]}"
    return json_response(created, 201, {"Location": location})


@router.get("/dataSets", responses=errors(), response_model=dict[str, Any], description=LIST_DOC)
def list_datasets(request: Request, tenant: CurrentTenant, services: ServicesDep) -> Response:
    return json_response(services.datasets.search(tenant, _query(request, ("name",))))


@router.get("/dataSets/{dataset_id}", responses=errors(), response_model=dict[str, Any])
def get_dataset(
    dataset_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    properties: Annotated[
        str | None, Query(description="Only these fields, e.g. name,tags.")
    ] = None,
) -> Response:
    shown = tuple(p.strip() for p in properties.split(",")) if properties else None
    return json_response(services.datasets.get(tenant, dataset_id, shown))


@router.patch("/dataSets/{dataset_id}", responses=errors(), response_model=list[str])
def patch_dataset(
    dataset_id: str, tenant: CurrentTenant, services: ServicesDep, body: Body
) -> Response:
    """JSON Patch of `/name`, `/description`, `/tags` and `/tags/<tag>`."""
    return json_response(services.datasets.patch(tenant, dataset_id, body))


@router.delete("/dataSets/{dataset_id}", responses=errors(), response_model=list[str])
def delete_dataset(dataset_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
    """`["@/dataSets/{id}"]`, or `[]` for an id that does not exist; the table goes too."""
    return json_response(services.datasets.delete(tenant, dataset_id))


@router.get("/dataSets/{dataset_id}/preview", responses=errors(), response_model=dict[str, Any])
def preview_dataset(
    dataset_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=PREVIEW_MAX)] = PREVIEW_DEFAULT,
) -> Response:
    """Beyond: the first rows of the dataset's Delta table, `{"columns", "data"}`."""
    return json_response(services.datasets.preview(tenant, dataset_id, limit))


@router.get("/batches", responses=errors(), response_model=dict[str, Any], description=LIST_DOC)
def list_batches(
    request: Request,
    tenant: CurrentTenant,
    services: ServicesDep,
    dataSet: Annotated[str | None, Query(description="Batches of this dataset.")] = None,
    status: Annotated[str | None, Query(description="e.g. failed, success.")] = None,
) -> Response:
    query = _query(request, ())
    filters = {k: v for k, v in (("dataSet", dataSet), ("status", status)) if v}
    return json_response(services.batches.search(tenant, query, filters))


@router.get("/batches/{batch_id}", responses=errors(), response_model=dict[str, Any])
def get_batch(batch_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
    return json_response(services.batches.get(tenant, batch_id))
