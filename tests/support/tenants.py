"""A fresh organization, sandbox and client per test: tenancy keeps tests apart."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flowservice.identity.service import create_client, create_org
from flowservice.storage.db import Database
from flowservice.tenancy import Tenant


@dataclass(frozen=True)
class TenantCredentials:
    org_id: str
    api_key: str
    access_token: str
    sandbox: str = "prod"

    def headers(self, sandbox: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "x-api-key": self.api_key,
            "x-gw-ims-org-id": self.org_id,
            "x-sandbox-name": sandbox or self.sandbox,
        }


def new_tenant(db: Database) -> TenantCredentials:
    org_id = secrets.token_hex(12).upper() + "@AdobeOrg"
    create_org(db, org_id)
    issued = create_client(db, org_id, "tests", ttl_hours=1)
    return TenantCredentials(org_id, issued.api_key, issued.access_token)


def tenant_of(db: Database, credentials: TenantCredentials) -> Tenant:
    """The service-side Tenant of a test tenant (for calling services directly)."""
    from flowservice.identity.service import find_sandbox_id

    with db.session() as session:
        sandbox_id = find_sandbox_id(session, credentials.org_id, credentials.sandbox)
    assert sandbox_id is not None
    return Tenant(credentials.org_id, sandbox_id, credentials.sandbox, credentials.api_key)
