"""``POST /ims/token/v3``: tokens for client credentials, as Adobe IMS issues them (§13.12).

Real clients (aepp among them) get their tokens from IMS with ``grant_type=client_credentials``,
``client_id`` and ``client_secret`` in a form body. The service answers the same request for its
own clients: ``client_id`` is the API key, ``client_secret`` the secret ``clients create`` showed.
``scope`` is accepted and ignored. Errors use OAuth's shape, ``{"error", "error_description"}``.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from flowservice.api.deps import ServicesDep
from flowservice.api.responses import json_response
from flowservice.identity.service import exchange_client_credentials

router = APIRouter(tags=["ims"])

MAX_FORM_BYTES = 16 * 1024
FORM = "application/x-www-form-urlencoded"


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)


@router.post(
    "/ims/token/v3",
    response_model=TokenResponse,
    openapi_extra={"requestBody": {"content": {FORM: {"schema": {
        "type": "object", "required": ["grant_type", "client_id", "client_secret"],
        "properties": {k: {"type": "string"} for k in
                       ("grant_type", "client_id", "client_secret", "scope")},
    }}}}},
)  # fmt: skip
async def issue_token(request: Request, services: ServicesDep) -> Response:
    """A bearer token for the client; `expires_in` is in seconds."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media != FORM or len(body) > MAX_FORM_BYTES:
        return _oauth_error(400, "invalid_request", f"Send a {FORM} body.")
    try:
        form = {k: v[0] for k, v in parse_qs(body.decode(), strict_parsing=False).items()}
    except UnicodeDecodeError:
        return _oauth_error(400, "invalid_request", "The form body is not UTF-8.")
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not secret:
        return _oauth_error(400, "invalid_request", "client_id and client_secret are required.")
    ttl = services.settings.ims_token_ttl_seconds
    token = await run_in_threadpool(
        exchange_client_credentials, services.db, client_id, secret, ttl
    )
    if token is None:
        return _oauth_error(401, "invalid_client", "The client id or secret is not valid.")
    return json_response({"access_token": token, "token_type": "bearer", "expires_in": ttl})
