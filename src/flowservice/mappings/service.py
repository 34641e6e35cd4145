"""``/data/foundation/conversion/mappingSets`` (dataflows §13.1): versioned mapping sets.

A mapping maps a ``source`` (``sourceType: ATTRIBUTE``: a column, dotted for nested fields;
``EXPRESSION``: an expression of :mod:`flowservice.mappings.expressions`) to a ``destination``
column of the dataset. Data Prep's newer spelling (``sourceAttribute``, ``destinationXdmPath``) is
accepted too. Every expression is parsed on create: an invalid one is a 400 naming the mapping.
Creating makes version 0; each ``PUT`` adds the next version; every version stays readable.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, Table, and_, func, select

from flowservice import codes
from flowservice.clock import now_ms
from flowservice.errors import NotFoundError, UserError
from flowservice.mappings.evaluate import CompiledMapping
from flowservice.mappings.expressions import Column, ExpressionError, parse
from flowservice.resources.table import TenantTable
from flowservice.resources.updates import new_etag, new_record
from flowservice.storage.db import Database
from flowservice.storage.models import MappingSet, MappingSetVersion
from flowservice.tenancy import Tenant

__all__ = ["MappingSetService", "is_mapping_id"]

MAPPING_SETS = TenantTable(MappingSet.__table__, valid_id=lambda v: is_mapping_id(v))  # type: ignore[arg-type]
VERSIONS: Table = MappingSetVersion.__table__  # type: ignore[assignment]
SOURCE_TYPES = ("ATTRIBUTE", "EXPRESSION")
KEPT = ("outputSchema", "inputSchema", "xdmSchema", "xdmVersion")
MAX_MAPPINGS = 10_000
DEFAULT_LIMIT, MAX_LIMIT = 20, 100


def is_mapping_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def _bad(message: str) -> UserError:
    return UserError(codes.BAD_REQUEST, f"The request could not be processed. {message}")


def _mapping(item: Any, index: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _bad(f"Mapping {index} must be an object.")
    source = item.get("source", item.get("sourceAttribute"))
    destination = item.get("destination", item.get("destinationXdmPath"))
    source_type = str(item.get("sourceType") or "ATTRIBUTE").upper()
    if source_type not in SOURCE_TYPES:
        raise _bad(f"Mapping {index}: sourceType must be ATTRIBUTE or EXPRESSION.")
    if not isinstance(destination, str) or not destination.strip() or len(destination) > 255:
        raise _bad(f"Mapping {index}: destination must be a column name of 1 to 255 characters.")
    if not isinstance(source, str) or not source.strip():
        raise _bad(f"Mapping {index} (destination {destination}): source is required.")
    if source_type == "EXPRESSION":
        try:
            parse(source)
        except ExpressionError as exc:
            raise _bad(
                f"Mapping {index} (destination {destination}) has an invalid expression: {exc}."
            ) from None
    kept = {k: item[k] for k in ("name", "description", "identity") if k in item}
    return {"sourceType": source_type, "source": source, "destination": destination, **kept}


def check_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UserError(codes.BODY_SHAPE, "The request body must be an object.")
    mappings = body.get("mappings")
    if not isinstance(mappings, list) or not mappings or len(mappings) > MAX_MAPPINGS:
        raise _bad(f"The mapping set needs 'mappings': a list of 1 to {MAX_MAPPINGS} mappings.")
    checked = [_mapping(item, i) for i, item in enumerate(mappings)]
    destinations = [m["destination"].lower() for m in checked]
    if len(set(destinations)) != len(destinations):
        raise _bad("Two mappings have the same destination.")
    return {**{k: body[k] for k in KEPT if k in body}, "mappings": checked}


def compile_mappings(document: dict[str, Any]) -> list[CompiledMapping]:
    """The mappings of one version, ready for ``evaluate.apply_mappings``."""
    return [
        CompiledMapping(
            m["destination"],
            parse(m["source"]) if m["sourceType"] == "EXPRESSION" else Column(m["source"]),
        )
        for m in document["mappings"]
    ]


def _render(row: Row[Any], version: int, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.id, "version": version, "createdDate": row.created_at,
        "modifiedDate": row.updated_at, "createdBy": row.created_by, "modifiedBy": row.updated_by,
        **document,
    }  # fmt: skip


class MappingSetService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, tenant: Tenant, body: Any) -> dict[str, Any]:
        document = check_body(body)
        mapping_id, now = uuid.uuid4().hex, now_ms()
        with self._db.write() as session:
            MAPPING_SETS.insert(
                session,
                {
                    **new_record(tenant, mapping_id, new_etag(), now),
                    "version": 0,
                    "document": document,
                },
            )
            session.execute(
                VERSIONS.insert().values(
                    mapping_set_id=mapping_id, version=0, document=document, created_at=now
                )
            )
        return self._summary(tenant, mapping_id)

    def replace(self, tenant: Tenant, mapping_id: str, body: Any) -> dict[str, Any]:
        """``PUT``: the next version, made the current one."""
        document = check_body(body)
        now = now_ms()
        t = MAPPING_SETS.table
        with self._db.write() as session:
            row = MAPPING_SETS.get(session, tenant, mapping_id)
            if row is None:
                raise NotFoundError("mappingSets", mapping_id)
            version = row.version + 1
            session.execute(
                VERSIONS.insert().values(
                    mapping_set_id=mapping_id, version=version, document=document, created_at=now
                )
            )
            session.execute(
                t.update()
                .where(t.c.id == mapping_id)
                .values(
                    version=version,
                    document=document,
                    updated_at=now,
                    updated_by=tenant.client_id,
                    etag=new_etag(),
                )
            )
        return self._summary(tenant, mapping_id)

    def get(self, tenant: Tenant, mapping_id: str, version: int | None = None) -> dict[str, Any]:
        row, number, document = self._version(tenant, mapping_id, version)
        return _render(row, number, document)

    def compiled(self, tenant: Tenant, mapping_id: str, version: int) -> list[CompiledMapping]:
        _, _, document = self._version(tenant, mapping_id, version)
        return compile_mappings(document)

    def exists(self, tenant: Tenant, mapping_id: str, version: int) -> bool:
        try:
            self._version(tenant, mapping_id, version)
        except NotFoundError:
            return False
        return True

    def search(self, tenant: Tenant, limit: int, start: int) -> dict[str, Any]:
        t = MAPPING_SETS.table
        with self._db.engine.connect() as connection:
            total = connection.execute(
                select(func.count()).select_from(t).where(*MAPPING_SETS.scope(tenant))
            ).scalar_one()
            rows = connection.execute(
                select(t)
                .where(*MAPPING_SETS.scope(tenant))
                .order_by(t.c.created_at, t.c.id)
                .offset(start)
                .limit(limit)
            ).all()
        return {
            "data": [_render(r, r.version, r.document) for r in rows],
            "_page": {"limit": limit, "count": int(total)},
        }

    def _summary(self, tenant: Tenant, mapping_id: str) -> dict[str, Any]:
        row, version, _ = self._version(tenant, mapping_id, None)
        return _render(row, version, {})

    def _version(
        self, tenant: Tenant, mapping_id: str, version: int | None
    ) -> tuple[Row[Any], int, dict[str, Any]]:
        with self._db.read() as connection:
            row = MAPPING_SETS.get(connection, tenant, mapping_id)
            if row is None:
                raise NotFoundError("mappingSets", mapping_id)
            if version is None or version == row.version:
                return row, row.version, row.document
            found = connection.execute(
                select(VERSIONS.c.document).where(
                    and_(VERSIONS.c.mapping_set_id == mapping_id, VERSIONS.c.version == version)
                )
            ).scalar()
        if found is None:
            raise NotFoundError("mappingSets", f"{mapping_id} version {version}")
        return row, version, found
