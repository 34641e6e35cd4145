"""Catalog datasets and batches (dataflows §9): each dataset is a Delta table in the lake.

Catalog answers create, update and delete with ``["@/dataSets/{id}"]``, reads with maps keyed by
id, and pages by offset; an offset past the end is ``200 {}`` (aepp's loops stop on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Row, Table, select

from flowservice import codes
from flowservice.clock import now_ms
from flowservice.datasets.ids import is_batch_id, is_dataset_id, new_dataset_id
from flowservice.datasets.lake import Lake
from flowservice.datasets.query import CatalogQuery
from flowservice.datasets.schema import parse_schema, to_arrow
from flowservice.datasets.schemas import DatasetCreate
from flowservice.datasets.wire import batch_to_wire, dataset_to_wire
from flowservice.errors import NotFoundError, UserError
from flowservice.resources.bodies import parse_model
from flowservice.resources.etags import ANY_VERSION
from flowservice.resources.patch import apply_patch, invalid
from flowservice.resources.table import TenantTable
from flowservice.resources.updates import new_etag, new_record, update
from flowservice.storage.db import Database
from flowservice.storage.models import Batch, Dataset
from flowservice.tenancy import Tenant

__all__ = ["BatchService", "DatasetService", "bump_version"]

DATASETS = TenantTable(Dataset.__table__, valid_id=is_dataset_id)  # type: ignore[arg-type]
BATCHES = TenantTable(Batch.__table__, valid_id=is_batch_id)  # type: ignore[arg-type]
PREVIEW_DEFAULT, PREVIEW_MAX = 100, 1000


def bump_version(version: str) -> str:
    """``1.0.4`` → ``1.0.5``: Catalog objects' version changes with each update."""
    major, minor, patch = [*version.split("."), "0", "0"][:3]
    return f"{major}.{minor}.{int(patch) + 1 if patch.isdigit() else 1}"


def reference(kind: str, object_id: str) -> list[str]:
    return [f"@/{kind}/{object_id}"]


def _not_found(kind: str) -> Callable[[str], NotFoundError]:
    def error(object_id: str) -> NotFoundError:
        return NotFoundError(kind, object_id)

    return error


def _page(documents: Iterable[tuple[str, dict[str, Any]]], query: CatalogQuery) -> dict[str, Any]:
    kept = [(key, doc) for key, doc in documents if query.keep(doc)]
    for name, descending in reversed(query.order):  # stable sorts: the first key sorts last
        kept.sort(key=_by(name), reverse=descending)
    window = kept[query.start : query.start + query.limit]
    return {key: query.shape(doc) for key, doc in window}


def _by(name: str) -> Callable[[tuple[str, dict[str, Any]]], tuple[int, Any]]:
    return lambda item: _sort_key(item[1].get(name))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value))


def _scoped_rows(
    connection: Any, table: Table, tenant: Tenant, query: CatalogQuery, *where: Any
) -> list[Row[Any]]:
    t = table
    conditions = [t.c.org_id == tenant.org_id, t.c.sandbox_id == tenant.sandbox_id, *where]
    if query.created_after is not None:
        conditions.append(t.c.created_at > query.created_after)
    if query.created_before is not None:
        conditions.append(t.c.created_at < query.created_before)
    return list(connection.execute(select(t).where(*conditions).order_by(t.c.created_at, t.c.id)))


class DatasetService:
    def __init__(self, db: Database, lake: Lake) -> None:
        self._db = db
        self.lake = lake

    def create(self, tenant: Tenant, body: Any) -> list[str]:
        request = parse_model(DatasetCreate, body)
        fields = parse_schema(request.schema_) if request.schema_ is not None else None
        if request.schemaRef is None and fields is None:
            raise UserError(
                codes.MISSING_FIELD,
                "The mandatory field 'schemaRef' is not provided (or give an inline 'schema').",
            )
        dataset_id = new_dataset_id()
        document = request.model_dump(exclude_none=True, exclude={"name", "description", "schema_"})
        if fields is not None:
            self.lake.create(self.table_uri(tenant, dataset_id), to_arrow(fields))
        with self._db.write() as session:
            DATASETS.insert(session, {
                **new_record(tenant, dataset_id, new_etag()),
                "name": request.name, "description": request.description, "document": document,
                "table_schema": fields, "version": "1.0.0", "row_count": 0, "storage_size": 0,
            })  # fmt: skip
        return reference("dataSets", dataset_id)

    def row(self, tenant: Tenant, dataset_id: str) -> Row[Any] | None:
        with self._db.read() as connection:
            return DATASETS.get(connection, tenant, dataset_id)

    def get(
        self, tenant: Tenant, dataset_id: str, properties: tuple[str, ...] | None
    ) -> dict[str, Any]:
        row = self.row(tenant, dataset_id)
        if row is None:
            raise NotFoundError("dataSets", dataset_id)
        wire = dataset_to_wire(row)
        shaped = CatalogQuery(properties=properties).shape(wire)
        return {row.id: shaped}

    def search(self, tenant: Tenant, query: CatalogQuery) -> dict[str, Any]:
        with self._db.read() as connection:
            rows = _scoped_rows(connection, DATASETS.table, tenant, query)
        return _page(((r.id, dataset_to_wire(r)) for r in rows), query)

    def patch(self, tenant: Tenant, dataset_id: str, body: Any) -> list[str]:
        def change(row: Row[Any]) -> dict[str, Any]:
            view = {"name": row.name, "description": row.description,
                    "tags": dict(row.document.get("tags", {}))}  # fmt: skip
            result = apply_patch(view, body, _DatasetPaths())
            return {
                "name": _checked_name(result.get("name")),
                "description": _checked_description(result.get("description")),
                "document": {**row.document, "tags": _checked_tags(result.get("tags"))},
                "version": bump_version(row.version),
            }

        update(self._db, DATASETS, tenant, dataset_id, ANY_VERSION, change, _not_found("dataSets"))
        return reference("dataSets", dataset_id)

    def delete(self, tenant: Tenant, dataset_id: str) -> list[str]:
        with self._db.write() as session:
            deleted = DATASETS.delete(session, tenant, dataset_id)
        if not deleted:
            return []
        self.lake.drop(self.table_uri(tenant, dataset_id))
        return reference("dataSets", dataset_id)

    def preview(self, tenant: Tenant, dataset_id: str, limit: int) -> dict[str, Any]:
        """Beyond: the first ``limit`` rows of the dataset's table as JSON."""
        row = self.row(tenant, dataset_id)
        if row is None:
            raise NotFoundError("dataSets", dataset_id)
        schema, rows = self.lake.head(self.table_uri(tenant, dataset_id), limit)
        columns = [{"name": f.name, "type": str(f.type)} for f in schema] if schema else []
        return {"columns": columns, "data": rows}

    def table_uri(self, tenant: Tenant, dataset_id: str) -> str:
        return self.lake.table_uri(tenant.org_id, tenant.sandbox_id, dataset_id)


class _DatasetPaths:
    """Catalog PATCH of datasets: /name, /description, /tags and /tags/<tag> only (§13.7)."""

    def check(self, path: str) -> None:
        if path in ("/name", "/description", "/tags") or (
            path.startswith("/tags/") and len(path) > len("/tags/")
        ):
            return
        raise invalid(f"The path '{path}' cannot be patched; use /name, /description or /tags/*.")

    def replace_adds(self, path: str, view: dict[str, Any]) -> bool:
        return path.startswith("/tags/") and path.removeprefix("/tags/") not in view["tags"]


def _checked_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 512:
        raise invalid("The name must be a non-empty string of at most 512 characters.")
    return value


def _checked_description(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise invalid("The description must be a string.")
    return value


def _checked_tags(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not all(
        isinstance(v, list) and all(isinstance(i, str) for i in v) for v in value.values()
    ):
        raise invalid("Tags must be an object of string arrays.")
    return value


class BatchService:
    """Reads of batches; the ingestion engine creates and completes them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tenant: Tenant, batch_id: str) -> dict[str, Any]:
        with self._db.read() as connection:
            row = BATCHES.get(connection, tenant, batch_id)
        if row is None:
            raise NotFoundError("batches", batch_id)
        return {row.id: batch_to_wire(row)}

    def search(
        self, tenant: Tenant, query: CatalogQuery, filters: Mapping[str, str]
    ) -> dict[str, Any]:
        t = BATCHES.table
        where = []
        if filters.get("dataSet"):
            where.append(t.c.dataset_id.in_(filters["dataSet"].split(",")))
        if filters.get("status"):
            where.append(t.c.status.in_(filters["status"].lower().split(",")))
        with self._db.read() as connection:
            rows = _scoped_rows(connection, t, tenant, query, *where)
        return _page(((r.id, batch_to_wire(r)) for r in rows), query)

    def exists(self, tenant: Tenant, batch_id: str) -> bool:
        with self._db.read() as connection:
            return BATCHES.get(connection, tenant, batch_id) is not None

    def create(self, tenant: Tenant, values: dict[str, Any]) -> str:
        """A batch row (for the engine); ``values`` holds id, dataset_id, status, document..."""
        now = now_ms()
        with self._db.write() as session:
            BATCHES.insert(session, {
                **new_record(tenant, values["id"], new_etag(), now), "version": "1.0.0", **values,
            })  # fmt: skip
        return str(values["id"])
