"""Contract §1: the four headers, the gateway's bodies and the tenancy boundary."""

from __future__ import annotations

import httpx
import pytest

from flowservice.identity.service import create_sandbox, revoke_token
from tests.conftest import s3_connection_body
from tests.support.live import LiveServer
from tests.support.tenants import TenantCredentials, new_tenant


def _get(live: LiveServer, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{live.api_url}/connections", headers=headers)


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() != name.lower()}


def _gateway(status: int, code: str, message: str) -> tuple[int, dict[str, str]]:
    return status, {"error_code": code, "message": message}


INVALID_TOKEN = _gateway(401, "401013", "Oauth token is not valid")
GATEWAY_CASES = {
    "no-token": (
        lambda h: _without(h, "Authorization"),
        *_gateway(403, "403010", "Oauth token is missing."),
    ),
    "unknown-token": (lambda h: {**h, "Authorization": "Bearer nope"}, *INVALID_TOKEN),
    "not-bearer": (lambda h: {**h, "Authorization": "Basic abc"}, *INVALID_TOKEN),
    "no-api-key": (
        lambda h: _without(h, "x-api-key"),
        *_gateway(403, "403000", "Api Key is required"),
    ),
    "wrong-api-key": (
        lambda h: {**h, "x-api-key": "other"},
        *_gateway(403, "403003", "Api Key is invalid"),
    ),
    "no-org": (
        lambda h: _without(h, "x-gw-ims-org-id"),
        *_gateway(400, "400003", "Missing header"),
    ),
    "wrong-org": (
        lambda h: {**h, "x-gw-ims-org-id": "OTHER@AdobeOrg"},
        *_gateway(403, "403025", "Profile is not valid"),
    ),
}


@pytest.mark.parametrize(
    ("change", "status", "body"), list(GATEWAY_CASES.values()), ids=list(GATEWAY_CASES)
)
def test_gateway_failures_use_the_gateway_body(
    live: LiveServer, tenant: TenantCredentials, change: object, status: int, body: dict[str, str]
) -> None:
    response = _get(live, change(tenant.headers()))  # type: ignore[operator]
    assert response.status_code == status
    assert response.json() == body


def test_bearer_scheme_is_matched_case_insensitively(
    live: LiveServer, tenant: TenantCredentials
) -> None:
    headers = {**tenant.headers(), "Authorization": f"bearer {tenant.access_token}"}
    assert _get(live, headers).status_code == 200


def test_missing_sandbox_header_is_2105_400(live: LiveServer, tenant: TenantCredentials) -> None:
    response = _get(live, _without(tenant.headers(), "x-sandbox-name"))
    assert response.status_code == 400
    assert response.json()["type"].endswith("FLOW-2105-400")
    assert "x-sandbox-name" in response.json()["errorMessage"]


def test_unknown_sandbox_is_2100_404(live: LiveServer, tenant: TenantCredentials) -> None:
    response = _get(live, tenant.headers(sandbox="nosuch"))
    assert response.status_code == 404
    assert response.json()["type"].endswith("FLOW-2100-404")


def test_revoked_token_is_rejected(live: LiveServer, tenant: TenantCredentials) -> None:
    assert _get(live, tenant.headers()).status_code == 200
    assert revoke_token(live.services.db, tenant.access_token)
    response = _get(live, tenant.headers())
    assert response.status_code == 401
    assert response.json()["error_code"] == "401013"


def test_other_org_and_other_sandbox_never_see_a_connection(
    live: LiveServer, tenant: TenantCredentials
) -> None:
    owner = httpx.Client(base_url=live.api_url, headers=tenant.headers())
    created = owner.post("/connections", json=s3_connection_body(s3AccessKey="a", s3SecretKey="b"))
    connection_id = created.json()["id"]
    create_sandbox(live.services.db, tenant.org_id, "dev")
    stranger = new_tenant(live.services.db)
    for headers in (stranger.headers(), tenant.headers(sandbox="dev")):
        other = httpx.Client(base_url=live.api_url, headers=headers)
        assert other.get(f"/connections/{connection_id}").status_code == 404
        assert other.get("/connections", params={"count": "true"}).json() == {"count": 0}
        assert other.get("/connections").json()["items"] == []
        patch = [{"op": "replace", "path": "/name", "value": "stolen"}]
        response = other.patch(
            f"/connections/{connection_id}",
            json=patch,
            headers={"If-Match": created.json()["etag"]},
        )
        assert response.status_code == 404
        assert other.delete(f"/connections/{connection_id}").status_code == 404
    [still] = owner.get(f"/connections/{connection_id}").json()["items"]
    assert still["name"] == "Amazon S3 base connection"
    assert still["etag"] == created.json()["etag"]


def test_every_response_has_a_request_id_echoed_in_errors(api: httpx.Client) -> None:
    response = api.get("/connections/does-not-exist", headers={"x-request-id": "req-123"})
    assert response.headers["x-request-id"] == "req-123"
    assert response.json()["report"]["request-id"] == "req-123"
    generated = api.get("/connections/does-not-exist")
    assert generated.headers["x-request-id"] == generated.json()["report"]["request-id"]


def test_healthz_needs_no_auth(live: LiveServer) -> None:
    response = httpx.get(f"{live.root_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
