"""Data Access (``/data/foundation/export``, dataflows §8, §13.3): read-only views of a batch.

- ``GET /batches/{id}/files``: the batch's data files, one ``dataSetFileId`` each;
- ``GET /files/{fileId}``: that file's listing, and with ``?path=<name>`` its Parquet bytes;
- ``GET /batches/{id}/meta?path=input_files|row_errors|<file>``: the diagnostics the run wrote;
- ``GET /batches/{id}/failed[?path=<file>]``: what a failed batch kept.

Listings are ``{"data": [{"name", "length", "_links": {"self": {"href"}}}], "_page": {...}}`` with
``length`` as a string, as Adobe shows it. Every path is checked to stay inside the batch's own
folder; a name that does not exist is 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flowservice.datasets.lake import batch_meta_dir
from flowservice.datasets.service import BATCHES, DatasetService
from flowservice.errors import NotFoundError
from flowservice.storage.db import Database
from flowservice.tenancy import Tenant

__all__ = ["DataAccessService", "Download"]

CHUNK = 1024 * 1024
# ``row_error_samples.json`` is the name in run manifests, aepp's docstring says the other.
ALIASES = {"row_errors_sample.json": "row_error_samples.json"}


@dataclass(frozen=True)
class Download:
    path: Path
    media_type: str

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while block := handle.read(CHUNK):
                yield block


def _listing(entries: list[tuple[str, int, str]]) -> dict[str, Any]:
    data = [
        {"name": n, "length": str(size), "_links": {"self": {"href": href}}}
        for n, size, href in entries
    ]
    return {"data": data, "_page": {"limit": 100, "count": len(data)}}


def _inside(root: Path, relative: str) -> Path | None:
    target = (root / relative).resolve()
    return target if target.is_relative_to(root.resolve()) and target.exists() else None


class DataAccessService:
    def __init__(
        self, db: Database, datasets: DatasetService, base_url: str = "/data/foundation/export"
    ) -> None:
        self._db = db
        self._datasets = datasets
        self._base = base_url

    def _batch(self, tenant: Tenant, batch_id: str) -> Any:
        with self._db.read() as connection:
            row = BATCHES.get(connection, tenant, batch_id)
        if row is None:
            raise NotFoundError("batches", batch_id)
        return row

    def _table(self, tenant: Tenant, row: Any) -> Path:
        return Path(self._datasets.table_uri(tenant, row.dataset_id))

    def files(self, tenant: Tenant, batch_id: str) -> dict[str, Any]:
        row = self._batch(tenant, batch_id)
        data = [
            {"dataSetFileId": f"{row.id}-{n}", "dataSetId": row.dataset_id, "version": "1.0.0",
             "created": row.created_at, "updated": row.updated_at, "isValid": True,
             "_links": {"self": {"href": f"{self._base}/files/{row.id}-{n}"}}}
            for n, _ in enumerate(row.document.get("dataFiles", []), start=1)
        ]  # fmt: skip
        return {"data": data, "_page": {"limit": 100, "count": len(data)}}

    def file(self, tenant: Tenant, file_id: str, path: str | None) -> dict[str, Any] | Download:
        batch_id, _, number = file_id.rpartition("-")
        row = self._batch(tenant, batch_id) if number.isdigit() else None
        entries = row.document.get("dataFiles", []) if row is not None else []
        if row is None or not 1 <= int(number) <= len(entries):
            raise NotFoundError("files", file_id)
        entry = entries[int(number) - 1]
        name = Path(entry["path"]).name
        if path is None:
            return _listing(
                [
                    (
                        name,
                        int(entry.get("length", 0)),
                        f"{self._base}/files/{file_id}?path={quote(name)}",
                    )
                ]
            )
        found = _inside(self._table(tenant, row), entry["path"]) if path == name else None
        if found is None:
            raise NotFoundError("files", f"{file_id}?path={path}")
        return Download(found, "application/octet-stream")

    def meta(
        self, tenant: Tenant, batch_id: str, path: str, folder: str = "meta"
    ) -> dict[str, Any] | Download:
        row = self._batch(tenant, batch_id)
        root = batch_meta_dir(str(self._table(tenant, row)), row.id) / folder
        wanted = "/".join(ALIASES.get(p, p) for p in path.strip("/").split("/")) if path else ""
        found = _inside(root, wanted) if root.is_dir() else None
        if found is None:
            raise NotFoundError("meta", f"{batch_id}?path={path}")
        if found.is_file():
            media = "application/json" if found.suffix == ".json" else "application/octet-stream"
            return Download(found, media)
        route = "meta" if folder == "meta" else "failed"
        entries = []
        for child in sorted(found.iterdir()):
            relative = child.relative_to(root).as_posix()
            size = child.stat().st_size if child.is_file() else 0
            entries.append(
                (
                    child.name,
                    size,
                    f"{self._base}/batches/{batch_id}/{route}?path={quote(relative, safe='')}",
                )
            )
        return _listing(entries)
