"""Data Access ``/data/foundation/export`` (dataflows §8): read-only batch files and diagnostics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response, StreamingResponse

from flowservice.api.deps import CurrentTenant, ServicesDep
from flowservice.api.responses import json_response
from flowservice.api.schemas import errors
from flowservice.datasets.export import Download

router = APIRouter(tags=["data access"])


def _answer(result: dict[str, Any] | Download) -> Response:
    if isinstance(result, Download):
        return StreamingResponse(result.chunks(), media_type=result.media_type)
    return json_response(result)


@router.get("/batches/{batch_id}/files", responses=errors(), response_model=dict[str, Any])
def batch_files(batch_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
    return json_response(services.export.files(tenant, batch_id))


@router.get("/files/{file_id}", responses=errors())
def batch_file(
    file_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    path: Annotated[str | None, Query(description="The file's name: download it.")] = None,
) -> Response:
    """The file's listing; with `path`, its Parquet bytes."""
    return _answer(services.export.file(tenant, file_id, path))


@router.get("/batches/{batch_id}/meta", responses=errors())
def batch_meta(
    batch_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    path: Annotated[str, Query(description="input_files, row_errors, or a file in them.")] = "",
) -> Response:
    return _answer(services.export.meta(tenant, batch_id, path))


@router.get("/batches/{batch_id}/failed", responses=errors())
def batch_failed(
    batch_id: str,
    tenant: CurrentTenant,
    services: ServicesDep,
    path: Annotated[str, Query(description="A file of the failed batch: download it.")] = "",
) -> Response:
    return _answer(services.export.meta(tenant, batch_id, path, folder="failed"))
