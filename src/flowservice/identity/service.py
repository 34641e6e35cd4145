"""Use cases for tenancy and credentials. Each function owns its transaction."""

from __future__ import annotations

import hmac
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from flowservice.clock import now_ms
from flowservice.errors import UserError
from flowservice.identity.tokens import hash_token, new_api_key, new_client_secret, new_token
from flowservice.storage.db import Database
from flowservice.storage.models import AccessToken, ApiClient, Organization, Sandbox

__all__ = [
    "IssuedClient",
    "Principal",
    "create_client",
    "create_org",
    "create_sandbox",
    "exchange_client_credentials",
    "find_principal",
    "find_sandbox_id",
    "issue_token",
    "revoke_token",
    "sandbox_name",
]

INVALID_ORG_ID = "0010-400"
ORG_EXISTS = "0011-409"
INVALID_SANDBOX_NAME = "0012-400"
SANDBOX_EXISTS = "0013-409"
NO_SUCH_CLIENT = "0014-404"
NO_SUCH_ORG = "0015-404"

ORG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]{0,127}$")
SANDBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a valid token speaks for."""

    client_id: str
    org_id: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class IssuedClient:
    org_id: str
    api_key: str
    access_token: str
    client_secret: str = ""

    def __repr__(self) -> str:
        return f"IssuedClient(org_id={self.org_id!r}, api_key={self.api_key!r}, secrets=***)"


def create_org(db: Database, org_id: str) -> None:
    if not ORG_ID.match(org_id):
        raise UserError(
            INVALID_ORG_ID, f"Invalid organization id {org_id!r}: use letters, digits, @ . _ -."
        )
    with db.write() as session:
        if session.get(Organization, org_id) is not None:
            raise UserError(ORG_EXISTS, f"Organization {org_id} already exists.")
        session.add(Organization(id=org_id, created_at=now_ms()))
        _add_sandbox(session, org_id, "prod")


def create_sandbox(db: Database, org_id: str, name: str) -> str:
    if not SANDBOX_NAME.match(name):
        raise UserError(
            INVALID_SANDBOX_NAME,
            f"Invalid sandbox name {name!r}: lowercase letters, digits and hyphens.",
        )
    with db.write() as session:
        _require_org(session, org_id)
        if _sandbox_id(session, org_id, name) is not None:
            raise UserError(SANDBOX_EXISTS, f"Sandbox {name} already exists in {org_id}.")
        return _add_sandbox(session, org_id, name)


def create_client(db: Database, org_id: str, name: str, ttl_hours: int) -> IssuedClient:
    with db.write() as session:
        _require_org(session, org_id)
        api_key, secret = new_api_key(), new_client_secret()
        session.add(ApiClient(
            id=api_key, org_id=org_id, name=name, created_at=now_ms(),
            secret_hash=hash_token(secret),
        ))  # fmt: skip
        session.flush()
        token = _add_token(session, api_key, org_id, ttl_hours)
    return IssuedClient(org_id, api_key, token, secret)


def exchange_client_credentials(
    db: Database, client_id: str, client_secret: str, ttl_seconds: int
) -> str | None:
    """An access token for a client's own id and secret (OAuth client credentials), or None."""
    with db.write() as session:
        client = session.get(ApiClient, client_id)
        if client is None or client.secret_hash is None:
            return None
        if not hmac.compare_digest(client.secret_hash, hash_token(client_secret)):
            return None
        return _add_token(session, client_id, client.org_id, ttl_seconds / 3600)


def issue_token(db: Database, api_key: str, ttl_hours: int) -> str:
    with db.write() as session:
        client = session.get(ApiClient, api_key)
        if client is None:
            raise UserError(NO_SUCH_CLIENT, f"No API client {api_key}.")
        return _add_token(session, api_key, client.org_id, ttl_hours)


def revoke_token(db: Database, token: str) -> bool:
    """Revoke a token; False when no such token is known."""
    with db.write() as session:
        result = session.execute(
            update(AccessToken)
            .where(AccessToken.token_hash == hash_token(token), AccessToken.revoked_at.is_(None))
            .values(revoked_at=now_ms())
        )
        return bool(getattr(result, "rowcount", 0))


def find_principal(session: Session, token: str) -> Principal | None:
    """The principal of a valid (known, unexpired, unrevoked) token."""
    row = session.execute(
        select(AccessToken.client_id, AccessToken.org_id, AccessToken.expires_at).where(
            AccessToken.token_hash == hash_token(token), AccessToken.revoked_at.is_(None)
        )
    ).first()
    if row is None or row.expires_at <= now_ms():
        return None
    return Principal(client_id=row.client_id, org_id=row.org_id, expires_at=row.expires_at)


def find_sandbox_id(session: Session, org_id: str, name: str) -> str | None:
    return _sandbox_id(session, org_id, name)


def sandbox_name(db: Database, sandbox_id: str) -> str | None:
    with db.session() as session:
        return session.scalars(select(Sandbox.name).where(Sandbox.id == sandbox_id)).first()


def _sandbox_id(session: Session, org_id: str, name: str) -> str | None:
    return session.scalars(
        select(Sandbox.id).where(Sandbox.org_id == org_id, Sandbox.name == name)
    ).first()


def _require_org(session: Session, org_id: str) -> None:
    if session.get(Organization, org_id) is None:
        raise UserError(
            NO_SUCH_ORG,
            f"No organization {org_id}. Create it with `flowservice orgs create {org_id}`.",
        )


def _add_sandbox(session: Session, org_id: str, name: str) -> str:
    sandbox_id = str(uuid.uuid4())
    session.add(Sandbox(id=sandbox_id, org_id=org_id, name=name, created_at=now_ms()))
    return sandbox_id


def _add_token(session: Session, client_id: str, org_id: str, ttl_hours: float) -> str:
    token = new_token()
    created = now_ms()
    session.add(
        AccessToken(
            id=str(uuid.uuid4()),
            token_hash=hash_token(token),
            client_id=client_id,
            org_id=org_id,
            created_at=created,
            expires_at=created + int(ttl_hours * HOUR_MS),
        )
    )
    return token
