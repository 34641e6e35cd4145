"""``/connections/{id}/test`` and ``/connections/{id}/explore`` (contract §4 test, §6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from flowservice.api.deps import CurrentTenant, ServicesDep
from flowservice.api.responses import json_response
from flowservice.api.schemas import ExploreEntry, PreviewDocument, TestResult, errors
from flowservice.explore.query import parse_explore_query

router = APIRouter(tags=["explore"])

SOURCE_ERRORS = errors(
    s403="The source denied access (1361-403).",
    s503="The source is briefly unavailable (1380-503): retry.",
    s504="The source did not answer in time (1381-504): retry.",
)


@router.get("/connections/{connection_id}/test", response_model=TestResult, responses=SOURCE_ERRORS)
def test_connection(connection_id: str, tenant: CurrentTenant, services: ServicesDep) -> Response:
    """Check the credentials, list at most one key, read at most 1 KiB: never walk a bucket."""
    report = services.explore.test(tenant, connection_id)
    return json_response({"result": report.result, "steps": [s.to_wire() for s in report.steps]})


@router.get(
    "/connections/{connection_id}/explore",
    response_model=list[ExploreEntry] | PreviewDocument,
    responses=SOURCE_ERRORS,
    description=(
        "`objectType=root|folder`: a bare array of entries, at most `limit` (default and most "
        "1000); when more remain, the `x-continuation-token` header holds the token to pass "
        "back as `continuationToken`. `objectType=file`: the file's format and schema, and "
        "with `preview=true` up to 100 rows of data."
    ),
)
def explore(
    connection_id: str,
    request: Request,
    tenant: CurrentTenant,
    services: ServicesDep,
    objectType: Annotated[str | None, Query(description="root, folder or file.")] = None,
    object: Annotated[
        str | None, Query(description="A path, e.g. /bucket/folder/file.csv.")
    ] = None,
    preview: Annotated[str | None, Query(description="true for data rows.")] = None,
    fileType: Annotated[str | None, Query(description="delimited, json, parquet.")] = None,
    columnDelimiter: Annotated[str | None, Query(description="One character; \\t for tab.")] = None,
    compressionType: Annotated[
        str | None, Query(description="gzip, bzip2, deflate, zipDeflate, tar, tarGzip.")
    ] = None,
    encoding: Annotated[str | None, Query(description="UTF-8 or ISO-8859-1.")] = None,
    determineProperties: Annotated[
        str | None, Query(description="true to detect file type, compression, delimiter, encoding.")
    ] = None,
    limit: Annotated[
        str | None, Query(description="Entries per listing page (at most 1000).")
    ] = None,
    continuationToken: Annotated[str | None, Query()] = None,
) -> Response:
    query = parse_explore_query(dict(request.query_params))
    if query.object_type == "file":
        return json_response(services.explore.preview(tenant, connection_id, query))
    page = services.explore.listing(tenant, connection_id, query)
    headers = {"x-continuation-token": page.next_token} if page.next_token else None
    body: list[dict[str, Any]] = [entry.to_wire() for entry in page.entries]
    return json_response(body, headers=headers)
