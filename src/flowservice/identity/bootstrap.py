"""First start: an organization, its ``prod`` sandbox and an API client, saved for the user.

``$FLOWSERVICE_HOME/credentials.json`` (mode 0600) holds ``endpoint``, ``orgId``, ``sandboxName``,
``apiKey``, ``accessToken``, ``clientSecret`` and ``tokenEndpoint`` (for clients that get their own
tokens with client credentials). Later starts reuse them; a token that expired or was revoked is
replaced by a new one for the same client.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flowservice.identity import service
from flowservice.settings import Settings
from flowservice.storage.db import Database
from flowservice.storage.models import ApiClient

__all__ = ["ensure_credentials", "read_credentials"]

SANDBOX = "prod"


def ensure_credentials(settings: Settings, db: Database) -> dict[str, Any]:
    saved = read_credentials(settings.credentials_path)
    credentials = _reuse(settings, db, saved) if saved else None
    if credentials is None:
        credentials = _create(settings, db)
    if credentials != saved:
        _write_private(settings.credentials_path, credentials)
    return credentials


def read_credentials(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _reuse(settings: Settings, db: Database, saved: dict[str, Any]) -> dict[str, Any] | None:
    api_key, token = saved.get("apiKey"), saved.get("accessToken")
    if not isinstance(api_key, str) or not isinstance(token, str):
        return None
    with db.session() as session:
        if session.get(ApiClient, api_key) is None:
            return None
        valid = service.find_principal(session, token) is not None
    if not valid:
        token = service.issue_token(db, api_key, settings.token_ttl_hours)
    renewed = {"endpoint": settings.endpoint, "accessToken": token}
    if "clientSecret" in saved:
        renewed["tokenEndpoint"] = settings.token_endpoint
    return {**saved, **renewed}


def _create(settings: Settings, db: Database) -> dict[str, Any]:
    org_id = secrets.token_hex(12).upper() + "@AdobeOrg"
    service.create_org(db, org_id)
    issued = service.create_client(db, org_id, "bootstrap", settings.token_ttl_hours)
    return {
        "endpoint": settings.endpoint,
        "orgId": org_id,
        "sandboxName": SANDBOX,
        "apiKey": issued.api_key,
        "accessToken": issued.access_token,
        "clientSecret": issued.client_secret,
        "tokenEndpoint": settings.token_endpoint,
    }


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write atomically with mode 0600 from the first byte (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".credentials.")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
