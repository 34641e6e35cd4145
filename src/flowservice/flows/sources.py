"""``/sourceConnections`` (dataflows §3): which files of a base connection a flow reads, and how.

Stored as sent (``data``, ``params``), checked on create and after every PATCH with the rules of
§3.1. A flow reads its source connection when each run starts, so a PATCH applies to later runs
(Adobe's flows keep the old one: a documented deviation).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from flowservice import codes
from flowservice.catalog import Catalog, ConnectionSpec
from flowservice.clock import now_ms
from flowservice.errors import NotFoundError, UserError
from flowservice.flows.common import (
    PathsUnder,
    checked_description,
    checked_name,
    last_operation,
    refuse_if_used,
)
from flowservice.flows.tables import SOURCES, flows_using
from flowservice.flows.values import as_bool, invalid_property, require_object
from flowservice.formats import codes as preview_codes
from flowservice.resources.etags import IfMatch, quote_etag
from flowservice.resources.patch import apply_patch
from flowservice.resources.reader import Reader
from flowservice.resources.updates import Written, new_etag, new_record, update
from flowservice.resources.wire import audit_fields
from flowservice.storage.db import Database
from flowservice.storage.rows import Columns
from flowservice.tenancy import Tenant

__all__ = ["SourceConnectionService", "SourceSpec", "check_source_body"]

RESOURCE = "sourceConnections"
FORMATS = ("delimited", "json", "parquet", "parquet_xdm")
ENCODINGS = ("UTF-8", "ISO-8859-1")
COMPRESSIONS = ("bzip2", "gzip", "deflate", "zipDeflate", "tarGzip", "tar", "none")
TOP_LEVEL = frozenset(
    {"name", "description", "baseConnectionId", "data", "params", "connectionSpec"}
)
PATCHABLE = ("/name", "/description", "/data", "/params")


@dataclass(frozen=True)
class SourceSpec:
    """What a flow run needs from a source connection, types settled."""

    format: str  # delimited | json | parquet
    path: str  # "/bucket/folder/*.csv"
    kind: str | None  # file | folder | None (resolved at run time)
    recursive: bool
    column_delimiter: str | None
    encoding: str | None
    compression: str | None


def _missing(name: str) -> UserError:
    return UserError(
        codes.MISSING_FIELD, f"The mandatory field {name} is not provided in the source connection."
    )


def _bad_request(message: str) -> UserError:
    return UserError(codes.BAD_REQUEST, f"The request could not be processed. {message}")


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if isinstance(value, str):
        for option in allowed:
            if option.lower() == value.lower():
                return option
    raise invalid_property(name, value)


def spec_version(value: Any, spec: ConnectionSpec) -> str:
    """``connectionSpec.version`` as a string or a number (``1`` means ``1.0``)."""
    if value is None:
        return spec.version
    text = (
        f"{float(value):.1f}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
    )
    if text != spec.version:
        raise UserError(
            codes.UNKNOWN_SPEC, f"The connection spec {spec.id} version {value} is not known."
        )
    return spec.version


def check_source_body(body: Any) -> SourceSpec:
    """The §3.1 rules on ``data`` and ``params``; returns what a run reads."""
    data = require_object(body.get("data"), "data") if "data" in body else None
    if data is None:
        raise _missing("data")
    if not data.get("format"):
        raise _missing("data.format")
    fmt = str(data["format"]).lower() if isinstance(data["format"], str) else data["format"]
    if fmt not in FORMATS:
        raise UserError(
            codes.UNSUPPORTED_FORMAT,
            f"The format of source data supplied={str(fmt)[:40]} in SourceConnection is not "
            f"supported. The allowed values are: {', '.join(FORMATS)}.",
        )
    kind = "parquet" if fmt == "parquet_xdm" else fmt
    properties = require_object(data.get("properties") or {}, "data.properties")
    delimiter = properties.get("columnDelimiter", data.get("columnDelimiter"))
    encoding = properties.get("encoding")
    compression = properties.get("compressionType")
    return SourceSpec(
        format=kind,
        **_params(require_object(body.get("params") or {}, "params")),
        column_delimiter=_delimiter(delimiter, kind),
        encoding=_only_for(kind, ("delimited",), "encoding", encoding, ENCODINGS),
        compression=_only_for(
            kind, ("delimited", "json"), "compressionType", compression, COMPRESSIONS
        ),
    )


def _delimiter(value: Any, kind: str) -> str | None:
    if value is None:
        return "," if kind == "delimited" else None
    if kind != "delimited":
        raise invalid_property("columnDelimiter", value)
    text = "\t" if value == "\\t" else value
    if not isinstance(text, str) or len(text) != 1 or text in '"\r\n':
        raise UserError(
            preview_codes.BAD_DELIMITER,
            "columnDelimiter must be exactly one character (a tab as a tab or \\t), not a quote "
            "or a line break.",
        )
    return text


def _only_for(
    kind: str, kinds: tuple[str, ...], name: str, value: Any, allowed: tuple[str, ...]
) -> str | None:
    if value is None:
        return None
    if kind not in kinds:
        raise invalid_property(name, value)
    return _choice(value, allowed, name)


def normalize_path(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _params(params: dict[str, Any]) -> dict[str, Any]:
    path = params.get("path")
    if not isinstance(path, str) or not path.strip():
        raise UserError(
            codes.EMPTY_PATH,
            "The path cannot be null or empty in the source connection. Give params.path, e.g. "
            "/my-bucket/folder/ or /my-bucket/folder/*.csv.",
        )
    path = normalize_path(path.strip())
    if "*" in path.rsplit("/", 1)[0] or "\x00" in path:
        raise invalid_property("params.path", path)
    kind = (
        _choice(params["type"], ("file", "folder"), "params.type") if params.get("type") else None
    )
    recursive = as_bool(params["recursive"], "params.recursive") if "recursive" in params else False
    return {"path": path, "kind": kind, "recursive": recursive}


def _render(row: Columns, tenant: Tenant) -> dict[str, Any]:
    document, etag = row.document, quote_etag(row.etag)
    spec = {"id": row.spec_id, "version": row.spec_version}
    return {
        **audit_fields(row, tenant.sandbox_name),
        "name": row.name,
        "description": row.description,
        "baseConnectionId": row.base_connection_id,
        "state": row.state,
        "data": {"schema": None, "properties": None, **document["data"]},
        "connectionSpec": spec,
        "params": document["params"],
        "version": etag,
        "etag": etag,
        "inheritedAttributes": {
            "baseConnection": {"id": row.base_connection_id, "connectionSpec": spec}
        },
        "lastOperation": document.get("lastOperation", {}),
    }


_PATHS = PathsUnder("source connection", ("/name", "/description", "/data", "/params"))


BaseConnectionLookup = Callable[[Tenant, str], Row[Any] | None]


class SourceConnectionService:
    def __init__(
        self,
        db: Database,
        catalog: Catalog,
        base_connection: BaseConnectionLookup,
        check_path: Callable[[Tenant, Row[Any], str], None],
    ) -> None:
        self._db = db
        self._catalog = catalog
        self._base_connection = base_connection
        self._check_path = check_path
        self.reader = Reader(db, SOURCES, _render, lambda i: NotFoundError(RESOURCE, i))

    def create(self, tenant: Tenant, body: Any) -> Written:
        body = require_object(body, "body")
        unknown = sorted(set(body) - TOP_LEVEL)
        if unknown:
            raise UserError(codes.BODY_SHAPE, f"Unknown field(s): {', '.join(unknown)}.")
        name = checked_name(body.get("name"), "source connection")
        spec, version = self._spec(body.get("connectionSpec"))
        base = self._base(tenant, body.get("baseConnectionId"), spec)
        source = check_source_body(body)
        self._check_path(tenant, base, source.path)
        source_id, etag, now = str(uuid.uuid4()), new_etag(), now_ms()
        document = {
            "data": body["data"],
            "params": {**body.get("params", {}), "path": source.path},
            "lastOperation": last_operation("create", now, 0),
        }
        with self._db.write() as session:
            SOURCES.insert(session, {
                **new_record(tenant, source_id, etag, now), "name": name,
                "description": checked_description(body.get("description")),
                "base_connection_id": base.id, "spec_id": spec.id, "spec_version": version,
                "state": "enabled", "document": document,
            })  # fmt: skip
        return Written(source_id, quote_etag(etag))

    def patch(self, tenant: Tenant, source_id: str, if_match: IfMatch, body: Any) -> Written:
        def change(row: Row[Any]) -> dict[str, Any]:
            view = {"name": row.name, "description": row.description,
                    "data": row.document["data"], "params": row.document["params"]}  # fmt: skip
            result = apply_patch(view, body, _PATHS)
            name = checked_name(result.get("name"), "source connection", patch=True)
            description = checked_description(result.get("description"), patch=True)
            source = check_source_body(result)
            base = self._base_connection(tenant, row.base_connection_id)
            if base is not None:
                self._check_path(tenant, base, source.path)
            now = now_ms()
            return {
                "name": name, "description": description,
                "document": {
                    "data": result["data"], "params": {**result["params"], "path": source.path},
                    "lastOperation": last_operation("update", now, now),
                },
            }  # fmt: skip

        return update(self._db, SOURCES, tenant, source_id, if_match, change, self.reader.not_found)

    def delete(self, tenant: Tenant, source_id: str) -> None:
        with self._db.write() as session:
            refuse_if_used(flows_using(session, tenant, source=source_id), source_id)
            if not SOURCES.delete(session, tenant, source_id):
                raise self.reader.not_found(source_id)

    def _spec(self, value: Any) -> tuple[ConnectionSpec, str]:
        ref = value if isinstance(value, dict) else {}
        if not ref.get("id") or not isinstance(ref["id"], str):
            raise _missing("connectionSpec.id")
        spec = self._catalog.get(ref["id"])
        if spec is None or not spec.auth_specs:
            raise UserError(
                codes.UNKNOWN_SPEC, f"The connection spec {ref['id'][:64]} is not a known source."
            )
        return spec, spec_version(ref.get("version"), spec)

    def _base(self, tenant: Tenant, value: Any, spec: ConnectionSpec) -> Row[Any]:
        if not value:
            raise _missing("baseConnectionId")
        if not isinstance(value, str):
            raise UserError(codes.BODY_SHAPE, "The field 'baseConnectionId' must be a string.")
        base = self._base_connection(tenant, value)
        if base is None:
            raise _bad_request(f"The base connection {value[:64]} was not found in this sandbox.")
        if base.spec_id != spec.id:
            raise _bad_request(
                f"The base connection {value} is a {base.spec_id} connection, not {spec.id}: a "
                "source connection has the same connection spec as its base connection."
            )
        return base
