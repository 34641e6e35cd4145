"""Connection use cases. Each public method owns its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from flowservice.catalog import AuthSpec, Catalog, ConnectionSpec, validate_params
from flowservice.clock import now_ms
from flowservice.connections import repository as repo
from flowservice.connections.patching import Patched, apply_patch
from flowservice.connections.query import ListQuery
from flowservice.connections.schemas import ConnectionCreate, parse_model
from flowservice.connections.wire import MASK, to_wire
from flowservice.drivers.base import Driver
from flowservice.errors import NotFoundError, UserError
from flowservice.identity.authenticator import Tenant
from flowservice.resources.etags import IfMatch, quote_etag, stale
from flowservice.storage.db import Database
from flowservice.storage.models import Connection
from flowservice.vault import Vault

__all__ = ["ConnectionService", "Created", "OpenConnection", "Page"]

RESOURCE = "connections"


@dataclass(frozen=True, slots=True)
class Created:
    id: str
    etag: str


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_token: str | None


@dataclass(frozen=True)
class OpenConnection:
    """A connection with its secrets decrypted, for the driver only. Never log or return it."""

    id: str
    spec: ConnectionSpec
    auth_spec_name: str
    params: dict[str, Any]

    def __repr__(self) -> str:
        return f"OpenConnection(id={self.id!r}, auth_spec_name={self.auth_spec_name!r})"


class ConnectionService:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        vault: Vault,
        driver_for: Callable[[ConnectionSpec], Driver],
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._vault = vault
        self._driver_for = driver_for

    def create(self, tenant: Tenant, body: Any) -> Created:
        request = parse_model(ConnectionCreate, body)
        spec = self._spec(request.connectionSpec.id, request.connectionSpec.version)
        auth = self._auth_spec(spec, request.auth.specName)
        params = dict(request.auth.params)
        validate_params(auth, params)
        _refuse_mask_as_secret(auth, params)
        self._driver_for(spec).check_params(auth.name, params)
        connection_id, etag, now = str(uuid.uuid4()), str(uuid.uuid4()), now_ms()
        with self._db.session() as session, session.begin():
            blob, key_id = self._seal(session, connection_id, auth, params)
            repo.insert(session, {
                "id": connection_id, "org_id": tenant.org_id, "sandbox_id": tenant.sandbox_id,
                "name": request.name, "description": request.description,
                "spec_id": spec.id, "spec_version": spec.version, "state": "enabled",
                "auth_spec_name": auth.name, "params": _masked(auth, params),
                "secrets_blob": blob, "secrets_key_id": key_id, "etag": etag,
                "created_at": now, "updated_at": now,
                "created_by": tenant.client_id, "updated_by": tenant.client_id,
            })  # fmt: skip
        return Created(connection_id, quote_etag(etag))

    def get(self, tenant: Tenant, connection_id: str) -> dict[str, Any]:
        with self._db.engine.connect() as connection:
            row = repo.get(connection, tenant, connection_id)
        if row is None:
            raise NotFoundError(RESOURCE, connection_id)
        return to_wire(row, tenant.sandbox_name)

    def list(self, tenant: Tenant, query: ListQuery) -> Page:
        with self._db.engine.connect() as connection:
            rows = repo.page(connection, tenant, query)
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        token = None
        if more:
            last = rows[-1]
            token = query.next_token((getattr(last, query.order.column), last.id))
        return Page([to_wire(r, tenant.sandbox_name) for r in rows], token)

    def count(self, tenant: Tenant, query: ListQuery) -> int:
        with self._db.engine.connect() as connection:
            return repo.count(connection, tenant, query)

    def patch(self, tenant: Tenant, connection_id: str, if_match: IfMatch, body: Any) -> Created:
        # One transaction: the etag compare-and-swap at the end makes the read-modify-write safe
        # on both back ends (PostgreSQL re-checks the WHERE on the latest row version).
        with self._db.session() as session, session.begin():
            row = self._require(session, tenant, connection_id)
            if not if_match.matches(row.etag):
                raise stale(row.id, if_match)
            spec = self._spec(row.spec_id, None)
            auth = self._auth_spec(spec, row.auth_spec_name)
            patched = apply_patch(_view(row), body, auth)
            secrets = self._merge_secrets(session, row, patched.params, patched.new_secrets)
            self._driver_for(spec).check_params(auth.name, {**patched.params, **secrets})
            return self._swap(session, tenant, row, auth, patched, secrets, if_match)

    def delete(self, tenant: Tenant, connection_id: str) -> None:
        # No flows exist yet, so nothing can still use a connection (1418-400 comes with flows).
        with self._db.session() as session, session.begin():
            if not repo.delete_one(session, tenant, connection_id):
                raise NotFoundError(RESOURCE, connection_id)

    def open(self, tenant: Tenant, connection_id: str) -> OpenConnection:
        """The connection with decrypted params, for talking to its source."""
        with self._db.session() as session:
            row = self._require(session, tenant, connection_id)
            secrets = self._open_secrets(session, row)
        spec = self._spec(row.spec_id, None)
        return OpenConnection(row.id, spec, row.auth_spec_name, {**row.params, **secrets})

    def driver(self, spec: ConnectionSpec) -> Driver:
        return self._driver_for(spec)

    def rotate_keys(self) -> tuple[str, int]:
        """Add a data key and re-seal every connection's secrets with it."""
        with self._db.session() as session, session.begin():
            key_id = self._vault.add_key(session)
            rows = session.execute(select(Connection).where(Connection.secrets_blob.is_not(None)))
            resealed = 0
            for (record,) in rows:
                assert record.secrets_blob is not None
                assert record.secrets_key_id is not None
                values = self._vault.open(
                    session, record.id, record.secrets_blob, record.secrets_key_id
                )
                record.secrets_blob, record.secrets_key_id = self._vault.seal(
                    session, record.id, values
                )
                resealed += 1
        return key_id, resealed

    # -- helpers -------------------------------------------------------------------------------

    def _swap(
        self,
        session: Session,
        tenant: Tenant,
        row: Row[Any],
        auth: AuthSpec,
        patched: Patched,
        secrets: dict[str, str],
        if_match: IfMatch,
    ) -> Created:
        etag = str(uuid.uuid4())
        blob, key_id = self._seal(session, row.id, auth, secrets)
        won = repo.swap(session, tenant, row.id, row.etag, {
            "name": patched.name, "description": patched.description, "state": patched.state,
            "params": patched.params, "secrets_blob": blob, "secrets_key_id": key_id,
            "etag": etag, "updated_at": max(now_ms(), row.updated_at + 1),
            "updated_by": tenant.client_id,
        })  # fmt: skip
        if not won:
            raise stale(row.id, if_match)
        return Created(row.id, quote_etag(etag))

    def _merge_secrets(
        self, session: Session, row: Row[Any], params: dict[str, Any], new: dict[str, str]
    ) -> dict[str, str]:
        """The secrets after the patch: new values, else the stored ones still present."""
        kept = [k for k, v in params.items() if v == MASK and k not in new]
        stored = self._open_secrets(session, row) if kept else {}
        return {**{k: stored[k] for k in kept if k in stored}, **new}

    def _open_secrets(self, session: Session, row: Row[Any]) -> dict[str, Any]:
        if row.secrets_blob is None:
            return {}
        return self._vault.open(session, row.id, row.secrets_blob, row.secrets_key_id)

    def _seal(
        self, session: Session, record_id: str, auth: AuthSpec, params: dict[str, Any]
    ) -> tuple[bytes | None, str | None]:
        secrets = {k: v for k, v in params.items() if k in auth.secret_params}
        if not secrets:
            return None, None
        return self._vault.seal(session, record_id, secrets)

    def _require(self, session: Session, tenant: Tenant, connection_id: str) -> Row[Any]:
        row = repo.get(session, tenant, connection_id, secrets=True)
        if row is None:
            raise NotFoundError(RESOURCE, connection_id)
        return row

    def _spec(self, spec_id: str, version: str | None) -> ConnectionSpec:
        spec = self._catalog.get(spec_id)
        if spec is None or (version is not None and version != spec.version):
            shown = spec_id if version is None else f"{spec_id} version {version}"
            raise UserError("1413-400", f"The connection spec {shown} is not known.")
        return spec

    def _auth_spec(self, spec: ConnectionSpec, name: str) -> AuthSpec:
        auth = spec.auth_spec(name)
        if auth is None:
            names = ", ".join(f"'{a.name}'" for a in spec.auth_specs)
            raise UserError("1415-400", f"Auth spec '{name}' is not one of {spec.name}'s: {names}.")
        return auth


def _masked(auth: AuthSpec, params: dict[str, Any]) -> dict[str, Any]:
    return {k: MASK if k in auth.secret_params else v for k, v in params.items()}


def _refuse_mask_as_secret(auth: AuthSpec, params: dict[str, Any]) -> None:
    for key in auth.secret_params & params.keys():
        if params[key] == MASK:
            raise UserError("1305-400", f"Auth param '{key}' is the mask value; send the secret.")


def _view(row: Row[Any]) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.description,
        "state": row.state,
        "auth": {"specName": row.auth_spec_name, "params": dict(row.params)},
    }
