"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from flowservice.api.deps import ServicesDep
from flowservice.api.responses import json_response

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="200 once the service can serve (no auth)")
def healthz(services: ServicesDep) -> Response:
    try:
        with services.db.read() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return json_response({"status": "unavailable", "database": "unreachable"}, 503)
    return json_response({"status": "ok"})
