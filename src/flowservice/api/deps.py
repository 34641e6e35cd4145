"""Request dependencies: the services, the caller's tenant, and the JSON body."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from flowservice import codes
from flowservice.api.jsonsafety import check_json
from flowservice.errors import UserError
from flowservice.identity.authenticator import CacheMiss
from flowservice.services import Services
from flowservice.tenancy import Tenant

__all__ = ["Body", "CurrentTenant", "ServicesDep", "json_body"]

JSON_TYPES = ("application/json", "application/json-patch+json")


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    return _services(request)


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_tenant(request: Request) -> Tenant:
    """The gateway checks of contract §1: a valid token, its API key and org, a known sandbox.

    The four headers are read here, not declared as FastAPI parameters (which cost ~10 µs each
    per request); flowservice.api.openapi documents them on every route that depends on this.
    Answered on the event loop from the authenticator's cache when it can; only a miss, which
    reads the store, goes to a worker thread (each thread hop costs as much as the check).
    The services are taken from the app, not as a sub-dependency: each dependency FastAPI
    resolves per request costs ~15 µs.
    """
    get = request.headers.get
    headers = (
        get("authorization"),
        get("x-api-key"),
        get("x-gw-ims-org-id"),
        get("x-sandbox-name"),
    )
    authenticator = _services(request).authenticator
    try:
        return authenticator.authenticate(*headers, cached_only=True)
    except CacheMiss:
        return await run_in_threadpool(authenticator.authenticate, *headers)


CurrentTenant = Annotated[Tenant, Depends(get_tenant)]


async def json_body(request: Request, services: ServicesDep) -> Any:
    """The parsed JSON body: 415 unless JSON, 413 past the size cap, 1405-400 if empty or bad."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES:
        raise UserError(
            codes.UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type: send Content-Type: application/json.",
        )
    limit = services.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    raw = await _read_capped(request, limit)
    try:
        body = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        raise UserError(codes.BODY_NOT_JSON, "The request body is not valid JSON.") from None
    if body is None:
        raise UserError(codes.BODY_NOT_JSON, "The request body is empty or null.")
    check_json(body)
    return body


Body = Annotated[Any, Depends(json_body)]


async def _read_capped(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> UserError:
    return UserError(codes.BODY_TOO_LARGE, f"The request body is larger than {limit} bytes.")
