"""Connection use cases. Each public method owns its transactions; none stays open across a
network call (the endpoint guard resolves serviceUrl before anything is written)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from flowservice import codes
from flowservice.catalog import AuthSpec, Catalog, ConnectionSpec, validate_params
from flowservice.clock import now_ms
from flowservice.connections.fields import FIELDS, TABLE
from flowservice.connections.patching import patch_connection
from flowservice.connections.schemas import ConnectionCreate
from flowservice.connections.wire import to_wire
from flowservice.drivers.base import Driver
from flowservice.errors import NotFoundError, UserError
from flowservice.resources.bodies import parse_model
from flowservice.resources.etags import IfMatch, quote_etag
from flowservice.resources.reader import Reader
from flowservice.resources.secrets import MASK, SecretParams, masked
from flowservice.resources.updates import Written, new_etag, update
from flowservice.storage.db import Database
from flowservice.storage.rows import Columns
from flowservice.tenancy import Tenant

__all__ = ["FIELDS", "ConnectionService", "OpenConnection"]

RESOURCE = "connections"


@dataclass(frozen=True)
class OpenConnection:
    """A connection with its secrets decrypted, for the driver only. Never log or return it."""

    id: str
    spec: ConnectionSpec
    auth_spec_name: str
    params: dict[str, Any]

    def __repr__(self) -> str:
        return f"OpenConnection(id={self.id!r}, auth_spec_name={self.auth_spec_name!r})"


def _not_found(connection_id: str) -> NotFoundError:
    return NotFoundError(RESOURCE, connection_id)


def _render(row: Columns, tenant: Tenant) -> dict[str, Any]:
    return to_wire(row, tenant.sandbox_name)


class ConnectionService:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        secrets: SecretParams,
        driver_for: Callable[[ConnectionSpec], Driver],
        in_use: Callable[[Tenant, str], list[str]] = lambda _t, _i: [],
    ) -> None:
        self._in_use = in_use
        self._db = db
        self._catalog = catalog
        self._secrets = secrets
        self._driver_for = driver_for
        self.reader = Reader(db, TABLE, _render, _not_found)

    def create(self, tenant: Tenant, body: Any) -> Written:
        request = parse_model(ConnectionCreate, body)
        spec = self._spec(request.connectionSpec.id, request.connectionSpec.version)
        auth = self._auth_spec(spec, request.auth.specName)
        params = dict(request.auth.params)
        validate_params(auth, params)
        _refuse_mask_as_secret(auth, params)
        self._driver_for(spec).check_params(auth.name, params)
        connection_id, etag, now = str(uuid.uuid4()), new_etag(), now_ms()
        sealed = self._secrets.seal(connection_id, _secrets(auth, params))
        with self._db.write() as session:
            TABLE.insert(session, {
                "id": connection_id, "org_id": tenant.org_id, "sandbox_id": tenant.sandbox_id,
                "name": request.name, "description": request.description,
                "spec_id": spec.id, "spec_version": spec.version, "state": "enabled",
                "auth_spec_name": auth.name, "params": masked(params, auth.secret_params),
                **sealed, "etag": etag, "created_at": now, "updated_at": now,
                "created_by": tenant.client_id, "updated_by": tenant.client_id,
            })  # fmt: skip
        return Written(connection_id, quote_etag(etag))

    def patch(self, tenant: Tenant, connection_id: str, if_match: IfMatch, body: Any) -> Written:
        def change(row: Row[Any]) -> dict[str, Any]:
            spec = self._spec(row.spec_id, None)
            auth = self._auth_spec(spec, row.auth_spec_name)
            patched = patch_connection(_view(row), body, auth)
            secrets = self._secrets.merge(row, patched.params, patched.new_secrets)
            self._driver_for(spec).check_params(auth.name, {**patched.params, **secrets})
            return {
                "name": patched.name, "description": patched.description,
                "state": patched.state, "params": patched.params,
                **self._secrets.seal(row.id, secrets),
            }  # fmt: skip

        # The etag compare-and-swap at the end makes the read-modify-write safe on both back
        # ends: of racing updates with one etag, exactly one wins.
        return update(self._db, TABLE, tenant, connection_id, if_match, change, _not_found)

    def delete(self, tenant: Tenant, connection_id: str) -> None:
        flows = self._in_use(tenant, connection_id)
        if flows:
            raise UserError(
                codes.CONNECTION_IN_USE,
                f"The connection {connection_id} is used by flows {', '.join(flows)}: delete "
                "them (or give them another source connection) first.",
            )
        with self._db.write() as session:
            if not TABLE.delete(session, tenant, connection_id):
                raise _not_found(connection_id)

    def open(self, tenant: Tenant, connection_id: str) -> OpenConnection:
        """The connection with decrypted params, for talking to its source."""
        with self._db.read() as connection:
            row = TABLE.get(connection, tenant, connection_id, hidden=True)
        if row is None:
            raise _not_found(connection_id)
        spec = self._spec(row.spec_id, None)
        secrets = self._secrets.open(row)
        return OpenConnection(row.id, spec, row.auth_spec_name, {**row.params, **secrets})

    def driver(self, spec: ConnectionSpec) -> Driver:
        return self._driver_for(spec)

    def row(self, tenant: Tenant, connection_id: str) -> Row[Any] | None:
        """The stored connection (secrets sealed), for resources that refer to it."""
        with self._db.read() as connection:
            return TABLE.get(connection, tenant, connection_id)

    def check_source_path(self, tenant: Tenant, row: Row[Any], path: str) -> None:
        """A source connection's path must lie inside its base connection's scope."""
        spec = self._spec(row.spec_id, None)
        self._driver_for(spec).check_path(row.auth_spec_name, row.params, path)

    def _spec(self, spec_id: str, version: str | None) -> ConnectionSpec:
        spec = self._catalog.get(spec_id)
        if spec is None or (version is not None and version != spec.version):
            shown = spec_id if version is None else f"{spec_id} version {version}"
            raise UserError(codes.UNKNOWN_SPEC, f"The connection spec {shown} is not known.")
        return spec

    def _auth_spec(self, spec: ConnectionSpec, name: str) -> AuthSpec:
        auth = spec.auth_spec(name)
        if auth is None:
            names = ", ".join(f"'{a.name}'" for a in spec.auth_specs)
            raise UserError(
                codes.UNKNOWN_AUTH_SPEC, f"Auth spec '{name}' is not one of {spec.name}'s: {names}."
            )
        return auth


def _secrets(auth: AuthSpec, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k in auth.secret_params}


def _refuse_mask_as_secret(auth: AuthSpec, params: dict[str, Any]) -> None:
    for key in auth.secret_params & params.keys():
        if params[key] == MASK:
            raise UserError(
                codes.INVALID_PARAM, f"Auth param '{key}' is the mask value; send the secret."
            )


def _view(row: Row[Any]) -> dict[str, Any]:
    return {
        "name": row.name,
        "description": row.description,
        "state": row.state,
        "auth": {"specName": row.auth_spec_name, "params": dict(row.params)},
    }
