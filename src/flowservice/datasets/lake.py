"""Where datasets live: one Delta Lake table per dataset under the lake root (dataflows §13.3).

``FLOWSERVICE_HOME/lake/<org>/<sandbox>/<dataSetId>`` by default. Readers get a plain pyarrow
dataset over the table's files with the table's schema, not ``DeltaTable.to_pyarrow_dataset()``:
after a column is added, the latter prunes older files on ``IS NULL`` filters and answers wrong
(engine notes §2.3).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Lake"]


def _segment(value: str) -> str:
    """A path segment for an org or sandbox id: readable when safe, else a digest."""
    if value.replace("-", "").replace("_", "").replace(".", "").replace("@", "").isalnum():
        return value
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = root

    def table_uri(self, org_id: str, sandbox_id: str, dataset_id: str) -> str:
        return str(self.root / _segment(org_id) / _segment(sandbox_id) / dataset_id)

    def create(self, uri: str, schema: pa.Schema) -> None:
        """An empty table with ``schema`` (a dataset created with an inline schema)."""
        from deltalake import DeltaTable

        Path(uri).mkdir(parents=True, exist_ok=True)
        DeltaTable.create(uri, schema=schema, mode="ignore")

    def exists(self, uri: str) -> bool:
        return (Path(uri) / "_delta_log").is_dir()

    def head(self, uri: str, limit: int) -> tuple[pa.Schema | None, list[dict[str, Any]]]:
        """The table's schema and its first ``limit`` rows (none if it has no table yet)."""
        if not self.exists(uri):
            return None, []
        import pyarrow.dataset as ds
        from deltalake import DeltaTable

        table = DeltaTable(uri)
        import pyarrow as pa

        schema = pa.schema(table.schema().to_arrow())
        files = table.file_uris()
        if not files:
            return schema, []
        rows = ds.dataset(files, schema=schema, format="parquet").head(limit)
        return schema, rows.to_pylist()

    def drop(self, uri: str) -> None:
        shutil.rmtree(uri, ignore_errors=True)


META = "_flowservice"


def batch_meta_dir(table_uri: str, batch_id: str) -> Path:
    """Where a batch's diagnostics live: input file lists, row errors, failed files.

    Inside the table's folder but under ``_flowservice/``, which Delta readers ignore (they
    read only the files the log names).
    """
    return Path(table_uri) / META / "batches" / batch_id
