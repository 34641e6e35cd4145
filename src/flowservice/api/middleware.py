"""Pure ASGI middleware (Starlette's BaseHTTPMiddleware costs a task per request)."""

from __future__ import annotations

import logging
import random
import re
import uuid

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowservice.api.responses import json_response
from flowservice.errors import InternalError

__all__ = ["RequestContextMiddleware"]

log = logging.getLogger("flowservice.api")
SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Gives every request an id (``x-request-id``, echoed or new) and drops a trailing slash.

    ``/connections/{id}/`` must reach the same route as ``/connections/{id}`` without a redirect:
    clients of the real service send both.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_id(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            # Rendered here, inside this middleware, so a 500 still carries the request id
            # and the connection stays usable; Starlette's outer handler would close it.
            log.exception("Unhandled error on %s %s", scope.get("method"), scope["path"])
            if started:
                raise
            await _internal_error(request_id)(scope, receive, send_with_id)


def _internal_error(request_id: str) -> Response:
    from flowservice.api.errors import problem_body

    return json_response(problem_body(InternalError(), request_id), 500)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if SAFE_ID.match(text):
                return text
    # Unique, not secret: a UUID from the fast PRNG (uuid4 reads os.urandom on every call).
    return str(uuid.UUID(int=random.getrandbits(128), version=4))
