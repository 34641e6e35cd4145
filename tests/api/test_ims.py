"""``POST /ims/token/v3``: client credentials for a token that works on every API."""

from __future__ import annotations

import secrets

import httpx
import pytest

from flowservice.identity.service import create_client, create_org
from tests.support.live import LiveServer


@pytest.fixture
def client(live: LiveServer) -> tuple[str, str, str]:
    org = secrets.token_hex(8).upper() + "@AdobeOrg"
    create_org(live.services.db, org)
    issued = create_client(live.services.db, org, "ims", ttl_hours=1)
    return org, issued.api_key, issued.client_secret


def test_client_credentials_give_a_working_token(
    live: LiveServer, client: tuple[str, str, str]
) -> None:
    org, api_key, secret = client
    form = {
        "grant_type": "client_credentials",
        "client_id": api_key,
        "client_secret": secret,
        "scope": "openid,AdobeID,read_organizations",
    }
    response = httpx.post(f"{live.root_url}/ims/token/v3", data=form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == live.settings.ims_token_ttl_seconds
    headers = {
        "Authorization": f"Bearer {body['access_token']}",
        "x-api-key": api_key,
        "x-gw-ims-org-id": org,
        "x-sandbox-name": "prod",
    }
    assert httpx.get(f"{live.api_url}/flows", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        (
            {"grant_type": "client_credentials", "client_id": "{key}", "client_secret": "wrong"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
        (
            {"grant_type": "password", "client_id": "{key}", "client_secret": "x"},
            400,
            "unsupported_grant_type",
        ),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
    ],
)
def test_bad_requests_get_oauth_errors(
    live: LiveServer, client: tuple[str, str, str], form: dict[str, str], status: int, error: str
) -> None:
    filled = {k: v.replace("{key}", client[1]) for k, v in form.items()}
    response = httpx.post(f"{live.root_url}/ims/token/v3", data=filled)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert client[2] not in response.text


def test_json_bodies_are_refused(live: LiveServer) -> None:
    response = httpx.post(
        f"{live.root_url}/ims/token/v3", json={"grant_type": "client_credentials"}
    )
    assert response.status_code == 400
