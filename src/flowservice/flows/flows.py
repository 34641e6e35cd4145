"""``/flows`` (dataflows §6): a source connection, a target connection, a schedule.

Create checks run in the contract's order, each with its code. ``scheduleParams`` are echoed as
sent; ``options`` as normalized. ``inheritedAttributes`` are settled when the flow is created
(neither a connection's spec nor a source's base connection can change later). Only ``enabled``
and ``disabled`` exist, and every transition is synchronous.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from flowservice import codes
from flowservice.catalog.flow_specs import FlowSpec, FlowSpecs
from flowservice.clock import now_ms
from flowservice.errors import UserError
from flowservice.flows.common import checked_description, checked_name, last_operation
from flowservice.flows.options import (
    MappingExists,
    check_labels,
    check_options,
    check_transformations,
)
from flowservice.flows.schedule import Schedule, check_change, check_schedule
from flowservice.flows.tables import FLOWS
from flowservice.flows.values import require_object
from flowservice.resources.etags import IfMatch, quote_etag
from flowservice.resources.patch import apply_patch, invalid
from flowservice.resources.reader import Reader
from flowservice.resources.updates import Written, new_etag, new_record, update
from flowservice.resources.wire import audit_fields
from flowservice.storage.db import Database
from flowservice.storage.rows import Columns
from flowservice.tenancy import Tenant

__all__ = ["FlowNotFound", "FlowService"]

RESOURCE = "flows"
TOP_LEVEL = frozenset({
    "name", "description", "flowSpec", "sourceConnectionIds", "targetConnectionIds",
    "transformations", "scheduleParams", "options", "labels", "policy", "state",
})  # fmt: skip
PATCHABLE = ("/name", "/description", "/scheduleParams", "/transformations", "/options",
             "/labels", "/policy")  # fmt: skip
# A flow's editable part, as PATCH sees it.
EDITABLE = ("name", "description", "scheduleParams", "transformations", "options", "labels",
            "policy")  # fmt: skip


# Every operation here is synchronous: done by the time the API answers.
COMPLETED = {"value": "completed", "errors": []}


class FlowNotFound(UserError):
    title = "Resource not found"

    def __init__(self, flow_id: str) -> None:
        super().__init__(
            codes.FLOW_NOT_FOUND,
            f"The requested flows resource {flow_id} is not found. Verify the resource ID "
            "before trying again.",
            report={"id": flow_id, "type": RESOURCE},
        )


@dataclass(frozen=True)
class Linked:
    """A flow's two connections, as rows of their tables."""

    source: Row[Any]
    target: Row[Any]


Lookup = Callable[[Tenant, str], Row[Any] | None]


def _render(row: Columns, tenant: Tenant) -> dict[str, Any]:
    document, etag = row.document, quote_etag(row.etag)
    wire: dict[str, Any] = {
        **audit_fields(row, tenant.sandbox_name),
        "name": row.name,
        "description": row.description,
        "flowSpec": {"id": row.flow_spec_id, "version": row.flow_spec_version},
        "state": row.state,
        "version": etag,
        "etag": etag,
        "sourceConnectionIds": [row.source_connection_id],
        "targetConnectionIds": [row.target_connection_id],
        "inheritedAttributes": document["inheritedAttributes"],
        "scheduleParams": document["scheduleParams"],
        "transformations": document.get("transformations", []),
        "runs": f"/runs?property=flowId=={row.id}",
        "lastOperation": document.get("lastOperation", {}),
    }
    for key in ("options", "labels", "policy", "lastRunDetails"):
        if key in document:
            wire[key] = document[key]
    return wire


def _id_list(body: dict[str, Any], key: str, kind: str) -> str:
    ids = body.get(key)
    if not ids:
        raise UserError(
            codes.MISSING_CONNECTION_ID, f"The {kind} connection ID can't be null in flowRequest."
        )
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise UserError(codes.BODY_SHAPE, f"The field '{key}' must be an array of ids.")
    if len(ids) != 1:
        raise UserError(
            codes.NOT_ONE_ID, f"The length of {key} should be one, supplied size is {len(ids)}."
        )
    return str(ids[0])


def _not_found_id(kind: str, resource_id: str) -> UserError:
    return UserError(
        codes.BAD_REQUEST,
        f"The request could not be processed. The {kind} connection {resource_id[:64]} was not "
        "found in this sandbox.",
    )


class _Paths:
    def check(self, path: str) -> None:
        if path in PATCHABLE or path.startswith(tuple(p + "/" for p in PATCHABLE)):
            return
        hint = (
            " Use POST /flows/{id}/action?op=enable|disable."
            if path.lower().startswith("/state")
            else " Create a new flow to change its spec or connections."
        )
        raise invalid(f"The path '{path}' cannot be patched.{hint}")

    def replace_adds(self, path: str, view: dict[str, Any]) -> bool:
        # /options/x and /scheduleParams/x name keys that may not be set yet.
        top, _, key = path.lstrip("/").partition("/")
        parent = view.get(top)
        return bool(key) and "/" not in key and isinstance(parent, dict) and key not in parent


class FlowService:
    def __init__(
        self,
        db: Database,
        flow_specs: FlowSpecs,
        source: Lookup,
        target: Lookup,
        mapping_exists: Callable[[Tenant], MappingExists],
        cancel_runs: Callable[[Tenant, str], None],
    ) -> None:
        self._db = db
        self._flow_specs = flow_specs
        self._source = source
        self._target = target
        self._mapping_exists = mapping_exists
        self._cancel_runs = cancel_runs
        self.reader = Reader(db, FLOWS, _render, FlowNotFound)

    def create(self, tenant: Tenant, body: Any) -> Written:
        body = require_object(body, "body")
        if "state" in body:
            raise UserError(
                codes.STATE_ON_CREATE, "`State` is not allowed in the create flow request."
            )
        unknown = sorted(set(body) - TOP_LEVEL)
        if unknown:
            raise UserError(codes.BODY_SHAPE, f"Unknown field(s): {', '.join(unknown)}.")
        spec = self._flow_spec(body.get("flowSpec"))
        name = checked_name(body.get("name"), "flow")
        linked = self._linked(tenant, body, spec)
        now = now_ms()
        schedule = check_schedule(
            body.get("scheduleParams"), now_seconds=now // 1000, on_create=True
        )
        document = self._editable(tenant, body, spec)
        document |= {
            "inheritedAttributes": _inherited(linked),
            "lastOperation": last_operation("create", now, now, status=COMPLETED),
        }
        flow_id, etag = str(uuid.uuid4()), new_etag()
        with self._db.write() as session:
            FLOWS.insert(session, {
                **new_record(tenant, flow_id, etag, now), "name": name,
                "description": checked_description(body.get("description")),
                "flow_spec_id": spec.id, "flow_spec_version": spec.version, "state": "enabled",
                "source_connection_id": linked.source.id, "target_connection_id": linked.target.id,
                "document": document, "schedule": schedule.to_document(),
                # The first slot is the start time, even one a moment past (within the grace).
                "next_run_at": schedule.start_time * 1000,
            })  # fmt: skip
        return Written(flow_id, quote_etag(etag))

    def patch(self, tenant: Tenant, flow_id: str, if_match: IfMatch, body: Any) -> Written:
        def change(row: Row[Any]) -> dict[str, Any]:
            view = {k: row.document.get(k) for k in EDITABLE if k in row.document}
            view |= {"name": row.name, "description": row.description}
            result = apply_patch(view, body, _Paths())
            now = now_ms()
            before = Schedule.from_document(row.schedule)
            after = check_schedule(
                result.get("scheduleParams"), now_seconds=now // 1000, on_create=False
            )
            check_change(before, after, now // 1000)
            spec = self._flow_spec({"id": row.flow_spec_id})
            editable = self._editable(tenant, result, spec)
            ops = body if isinstance(body, list) else [body]
            document = {
                **{k: v for k, v in row.document.items() if k not in EDITABLE}, **editable,
                "lastOperation": last_operation(
                    "update", now, now, ops=ops, percentCompleted=100.0, status=COMPLETED
                ),
            }  # fmt: skip
            replanned = after != before and row.state == "enabled"
            return {
                "name": checked_name(result.get("name"), "flow", patch=True),
                "description": checked_description(result.get("description"), patch=True),
                "document": document, "schedule": after.to_document(),
                **({"next_run_at": _next_run(after, now)} if replanned else {}),
            }  # fmt: skip

        return update(self._db, FLOWS, tenant, flow_id, if_match, change, FlowNotFound)

    def act(self, tenant: Tenant, flow_id: str, op: str | None, if_match: IfMatch) -> Written:
        """``enable`` or ``disable`` (any case); the same state again is a no-op that answers."""
        action = _action(op)

        def change(row: Row[Any]) -> dict[str, Any]:
            now = now_ms()
            state = "enabled" if action == "enable" else "disabled"
            operation = last_operation(action, now, now, status=COMPLETED)
            document = {**row.document, "lastOperation": operation}
            next_run = (
                _next_run(Schedule.from_document(row.schedule), now) if action == "enable" else None
            )
            return {"state": state, "document": document, "next_run_at": next_run}

        return update(self._db, FLOWS, tenant, flow_id, if_match, change, FlowNotFound)

    def delete(self, tenant: Tenant, flow_id: str) -> None:
        with self._db.write() as session:
            if not FLOWS.delete(session, tenant, flow_id):
                raise FlowNotFound(flow_id)
        self._cancel_runs(tenant, flow_id)

    def _flow_spec(self, value: Any) -> FlowSpec:
        ref = value if isinstance(value, dict) else {}
        spec_id = ref.get("id")
        spec = self._flow_specs.get(spec_id) if isinstance(spec_id, str) else None
        version = ref.get("version")
        if spec is None or (version is not None and str(version) not in (spec.version, "1")):
            shown = str(spec_id)[:64] if spec_id else "missing"
            raise UserError(codes.UNKNOWN_SPEC, f"The flow spec {shown} is not known.")
        return spec

    def _linked(self, tenant: Tenant, body: dict[str, Any], spec: FlowSpec) -> Linked:
        source_id = _id_list(body, "sourceConnectionIds", "source")
        target_id = _id_list(body, "targetConnectionIds", "target")
        source, target = self._source(tenant, source_id), self._target(tenant, target_id)
        if source is None:
            raise _not_found_id("source", source_id)
        if target is None:
            raise _not_found_id("target", target_id)
        if source.spec_id not in spec.source_spec_ids:
            raise UserError(
                codes.BAD_REQUEST,
                f"The request could not be processed. The source connection's spec "
                f"{source.spec_id} is not a source of flow spec {spec.name}.",
            )
        if target.spec_id not in spec.target_spec_ids:
            raise UserError(
                codes.INVALID_TARGET_SPEC,
                f"The target connection spec ID is not valid={target.spec_id}. The allowed "
                f"value is: {', '.join(sorted(spec.target_spec_ids))}.",
            )
        return Linked(source, target)

    def _editable(self, tenant: Tenant, body: dict[str, Any], spec: FlowSpec) -> dict[str, Any]:
        """scheduleParams as sent; options, transformations and labels checked."""
        document: dict[str, Any] = {"scheduleParams": body["scheduleParams"]}
        if body.get("options") is not None:
            document["options"] = check_options(body["options"])
        transformations = body.get("transformations") or []
        check_transformations(
            transformations, spec.transformation_names, self._mapping_exists(tenant)
        )
        document["transformations"] = transformations
        if body.get("labels") is not None:
            document["labels"] = check_labels(body["labels"])
        if body.get("policy") is not None:
            document["policy"] = require_object(body["policy"], "policy")
        return document


def _action(op: str | None) -> str:
    if not op:
        raise UserError(codes.MISSING_PARAM, "The param op is missing in the request.")
    folded = op.lower()
    if folded not in ("enable", "disable"):
        raise UserError(
            codes.UNSUPPORTED_ACTION, f"The provided operation : {op[:40]} is unsupported."
        )
    return folded


def _next_run(schedule: Schedule, now: int) -> int | None:
    slot = schedule.slot_at_or_after(now // 1000)
    return slot * 1000 if slot is not None else None


def _inherited(linked: Linked) -> dict[str, Any]:
    source, target = linked.source, linked.target
    source_spec = {"id": source.spec_id, "version": source.spec_version}
    return {
        "properties": {"isSourceFlow": True},
        "sourceConnections": [{
            "id": source.id, "connectionSpec": source_spec,
            "baseConnection": {"id": source.base_connection_id, "connectionSpec": source_spec},
        }],
        "targetConnections": [{
            "id": target.id,
            "connectionSpec": {"id": target.spec_id, "version": target.spec_version},
        }],
    }  # fmt: skip
