"""``/targetConnections`` (dataflows §4): the Data Lake dataset a flow writes to."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Row

from flowservice import codes
from flowservice.catalog import Catalog
from flowservice.clock import now_ms
from flowservice.errors import NotFoundError, UserError
from flowservice.flows.common import (
    PathsUnder,
    checked_description,
    checked_name,
    last_operation,
    refuse_if_used,
)
from flowservice.flows.sources import spec_version
from flowservice.flows.tables import TARGETS, flows_using
from flowservice.flows.values import require_object
from flowservice.resources.etags import IfMatch, quote_etag
from flowservice.resources.patch import apply_patch
from flowservice.resources.reader import Reader
from flowservice.resources.updates import Written, new_etag, new_record, update
from flowservice.resources.wire import audit_fields
from flowservice.storage.db import Database
from flowservice.storage.rows import Columns
from flowservice.tenancy import Tenant

__all__ = ["DATA_LAKE_SPEC_ID", "TargetConnectionService"]

RESOURCE = "targetConnections"
DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
FORMATS = ("parquet_xdm", "json", "delimited", "parquet")
TOP_LEVEL = frozenset(
    {"name", "description", "data", "params", "connectionSpec", "baseConnectionId"}
)
DatasetLookup = Callable[[Tenant, str], Row[Any] | None]


def _render(row: Columns, tenant: Tenant) -> dict[str, Any]:
    document, etag = row.document, quote_etag(row.etag)
    spec = {"id": row.spec_id, "version": row.spec_version}
    wire: dict[str, Any] = {
        **audit_fields(row, tenant.sandbox_name),
        "name": row.name,
        "description": row.description,
        "state": row.state,
        "data": document.get("data", {}),
        "connectionSpec": spec,
        "params": document["params"],
        "version": etag,
        "etag": etag,
        "lastOperation": document.get("lastOperation", {}),
    }
    if document.get("baseConnectionId"):
        base = {"id": document["baseConnectionId"], "connectionSpec": spec}
        wire |= {"baseConnectionId": base["id"], "inheritedAttributes": {"baseConnection": base}}
    return wire


_PATHS = PathsUnder("target connection", ("/name", "/description", "/data", "/params"))


class TargetConnectionService:
    def __init__(self, db: Database, catalog: Catalog, dataset: DatasetLookup) -> None:
        self._db = db
        self._catalog = catalog
        self._dataset = dataset
        self.reader = Reader(db, TARGETS, _render, lambda i: NotFoundError(RESOURCE, i))

    def create(self, tenant: Tenant, body: Any) -> Written:
        body = require_object(body, "body")
        unknown = sorted(set(body) - TOP_LEVEL)
        if unknown:
            raise UserError(codes.BODY_SHAPE, f"Unknown field(s): {', '.join(unknown)}.")
        version = self._spec(body.get("connectionSpec"))
        name = checked_name(body.get("name"), "target connection")
        data, params = self._check(tenant, body)
        target_id, etag, now = str(uuid.uuid4()), new_etag(), now_ms()
        document: dict[str, Any] = {
            "data": data, "params": params, "lastOperation": last_operation("create", now, 0),
        }  # fmt: skip
        if body.get("baseConnectionId"):
            document["baseConnectionId"] = str(body["baseConnectionId"])
        with self._db.write() as session:
            TARGETS.insert(session, {
                **new_record(tenant, target_id, etag, now), "name": name,
                "description": checked_description(body.get("description")),
                "dataset_id": params["dataSetId"], "spec_id": DATA_LAKE_SPEC_ID,
                "spec_version": version, "state": "enabled", "document": document,
            })  # fmt: skip
        return Written(target_id, quote_etag(etag))

    def patch(self, tenant: Tenant, target_id: str, if_match: IfMatch, body: Any) -> Written:
        def change(row: Row[Any]) -> dict[str, Any]:
            view = {
                "name": row.name, "description": row.description,
                "data": row.document.get("data", {}), "params": row.document["params"],
            }  # fmt: skip
            result = apply_patch(view, body, _PATHS)
            name = checked_name(result.get("name"), "target connection", patch=True)
            data, params = self._check(tenant, result)
            now = now_ms()
            return {
                "name": name,
                "description": checked_description(result.get("description"), patch=True),
                "dataset_id": params["dataSetId"],
                "document": {
                    **row.document, "data": data, "params": params,
                    "lastOperation": last_operation("update", now, now),
                },
            }  # fmt: skip

        return update(self._db, TARGETS, tenant, target_id, if_match, change, self.reader.not_found)

    def delete(self, tenant: Tenant, target_id: str) -> None:
        with self._db.write() as session:
            refuse_if_used(flows_using(session, tenant, target=target_id), target_id)
            if not TARGETS.delete(session, tenant, target_id):
                raise self.reader.not_found(target_id)

    def _spec(self, value: Any) -> str:
        ref = value if isinstance(value, dict) else {}
        spec_id = ref.get("id")
        spec = self._catalog.get(spec_id) if isinstance(spec_id, str) else None
        if spec is None or spec.id != DATA_LAKE_SPEC_ID:
            shown = str(spec_id)[:64] if spec_id is not None else "missing"
            raise UserError(
                codes.INVALID_TARGET_SPEC,
                f"The target connection spec ID is not valid={shown}. The allowed value is: "
                f"{DATA_LAKE_SPEC_ID}.",
            )
        return spec_version(ref.get("version"), spec)

    def _check(self, tenant: Tenant, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        params = require_object(body.get("params") or {}, "params")
        dataset_id = params.get("dataSetId")
        if not dataset_id:
            raise UserError(
                codes.MISSING_DATASET_ID,
                "The param dataSetId is missing in the target connection params.",
            )
        if not isinstance(dataset_id, str):
            raise UserError(codes.BODY_SHAPE, "The field 'params.dataSetId' must be a string.")
        dataset = self._dataset(tenant, dataset_id)
        if dataset is None:
            raise UserError(
                codes.BAD_REQUEST,
                "The request could not be processed. "
                f"The dataset {dataset_id[:64]} was not found in this sandbox.",
            )
        data = require_object(body.get("data") or {}, "data")
        fmt = data.get("format")
        if fmt is not None and (not isinstance(fmt, str) or fmt.lower() not in FORMATS):
            raise UserError(
                codes.UNSUPPORTED_FORMAT,
                f"The target format {str(fmt)[:40]} is not supported. "
                f"The allowed values are: {', '.join(FORMATS)}.",
            )
        schema = data.get("schema")
        if schema is not None:
            _check_schema(schema, dataset)
        return data, params


def _check_schema(schema: Any, dataset: Row[Any]) -> None:
    ref = dataset.document.get("schemaRef") or {}
    given = schema.get("id") if isinstance(schema, dict) else None
    if given is None or (ref.get("id") and given != ref["id"]):
        raise UserError(
            codes.SCHEMA_MISMATCH,
            f"The schema in the target dataset {dataset.id} is {ref.get('id')}; the same schema "
            "must be used in both the target connection and the dataset.",
        )
