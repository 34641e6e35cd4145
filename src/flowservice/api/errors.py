"""One place renders every error in the contract's shapes (service problem body, gateway body)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from flowservice import codes
from flowservice.api.responses import json_response
from flowservice.errors import FlowServiceError, GatewayError

__all__ = ["install_error_handlers", "problem_body"]

log = logging.getLogger("flowservice.api")
TYPE_PREFIX = "https://ns.adobe.com/aep/errors/"
# Each API names its errors with its own prefix: FLOW-1101-404, CAT-1101-404, ...
SERVICE_PREFIXES = {
    "/data/foundation/catalog/": "CAT-",
    "/data/foundation/conversion/": "DATAPREP-",
    "/data/foundation/export/": "EXPORT-",
}


def _prefix(path: str) -> str:
    return next((p for base, p in SERVICE_PREFIXES.items() if path.startswith(base)), "FLOW-")


def problem_body(error: FlowServiceError, request_id: str, prefix: str = "FLOW-") -> dict[str, Any]:
    return {
        "type": TYPE_PREFIX + prefix + error.code,
        "title": error.title,
        "status": error.status,
        "report": {
            "detailed-message": error.message,
            **error.report,
            "request-id": request_id,
        },
        "errorMessage": error.message,
        "errorDetails": error.message,
    }


def render(request: Request, error: FlowServiceError) -> Response:
    request_id: str = getattr(request.state, "request_id", "")
    level = logging.ERROR if error.status >= 500 else logging.INFO
    log.log(
        level, "%s %s -> %s %s", request.method, request.url.path, error.code, error.log_message
    )
    body = problem_body(error, request_id, _prefix(request.url.path))
    return json_response(body, error.status)


async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FlowServiceError)
    return render(request, exc)


async def _gateway_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    return json_response({"error_code": exc.error_code, "message": exc.message}, exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "No such endpoint.", 405: "Method not allowed on this endpoint."}
    message = messages.get(exc.status_code, str(exc.detail))
    response = render(request, FlowServiceError(f"1100-{exc.status_code}", message, title=message))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(_allowed(request))
    return response


def _allowed(request: Request) -> list[str]:
    """Every method some route answers on this path (Starlette names only the first route's)."""
    path = request.url.path
    methods = {
        method
        for route in request.app.router.routes
        if isinstance(route, Route) and route.path_regex.match(path)
        for method in route.methods or ()
    }
    return sorted(methods)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    error = exc.errors()[0] if exc.errors() else {"loc": ("request",)}
    where = ".".join(str(p) for p in error.get("loc", ()))
    return render(request, FlowServiceError(codes.INVALID_VALUE, f"Invalid value for {where}."))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(FlowServiceError, _service_error)
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
