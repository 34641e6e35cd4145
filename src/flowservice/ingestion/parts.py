"""A run's rows as Parquet data files in its table's folder, ready to be committed as Delta add
actions (engine notes §3.4).

Written with pyarrow's Parquet writer, one row group per batch as the readers give them (batches
smaller than :data:`MIN_ROW_GROUP_ROWS`, from small files, are gathered first), zstd-compressed,
a new file past :data:`TARGET_FILE_BYTES`. Encoding runs on a thread of its own (pyarrow releases
the GIL) so that it overlaps the reading and casting of the next batches; at most
:data:`QUEUED_GROUPS` row groups wait for it. Memory stays at a few row groups: delta-rs's own
writer, measured on the same rows, held ~230 MiB more (docs/benchmarks.md, "Ingestion").

Nothing here touches the Delta log: the files are invisible until a commit adds them, and
:meth:`PartWriter.discard` removes them when the run will not commit.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowservice.ingestion.stats import FileStats

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs as pafs

__all__ = ["Part", "PartWriter"]

MIN_ROW_GROUP_ROWS = 32 * 1024
TARGET_FILE_BYTES = 128 * 1024 * 1024
COMPRESSION = "zstd"
# A column whose dictionary outgrows this within a row group is written plain: ids, amounts and
# timestamps stop paying for a dictionary they cannot use (half the encoding time, and files
# a quarter smaller than with pyarrow's 1 MiB default, measured on the benchmark's 8 columns).
DICTIONARY_PAGE_BYTES = 64 * 1024
QUEUED_GROUPS = 2
_DONE = None


@dataclass(frozen=True)
class Part:
    """One written data file: its path relative to the table's root, size, rows and stats."""

    path: str
    size: int
    rows: int
    stats: str
    modified_ms: int

    def add_action(self) -> Any:
        from deltalake.transaction import AddAction

        return AddAction(self.path, self.size, {}, self.modified_ms, True, self.stats)


class PartWriter:
    """Write batches of one schema under ``root``; :meth:`close` returns the parts.

    :meth:`write` hands row groups to the encoding thread; an error there is raised by the next
    :meth:`write` or by :meth:`close`. After an error, or when the run will not commit,
    :meth:`discard` removes what was written.
    """

    def __init__(self, root: str, schema: pa.Schema, filesystem: pafs.FileSystem | None = None):
        import pyarrow.fs as pafs

        self._root = root.rstrip("/")
        self._schema = schema
        self._fs = filesystem or pafs.LocalFileSystem()
        self._pending: list[pa.RecordBatch] = []
        self._pending_rows = 0
        self._open: _OpenPart | None = None
        self.parts: list[Part] = []
        self._names: list[str] = []
        self._queue: queue.Queue[pa.RecordBatch | pa.Table | None] = queue.Queue(QUEUED_GROUPS)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._encode, name="parquet-parts", daemon=True)
        self._thread.start()

    def write(self, batch: pa.RecordBatch) -> None:
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        if self._pending_rows >= MIN_ROW_GROUP_ROWS:
            self._hand_off()

    def close(self) -> list[Part]:
        self._hand_off()
        self._stop()
        if self._error is not None:
            raise self._error
        return self.parts

    def discard(self) -> None:
        """Remove every file written (the run will not commit them)."""
        self._pending.clear()
        self._stop(drop=True)
        if self._open is not None:
            with contextlib.suppress(Exception):
                self._open.writer.close()
                self._open.sink.close()
            self._open = None
        for name in self._names:
            with contextlib.suppress(FileNotFoundError, OSError):
                self._fs.delete_file(f"{self._root}/{name}")
        self._names.clear()
        self.parts.clear()

    def _hand_off(self) -> None:
        import pyarrow as pa

        if self._error is not None:
            raise self._error
        if not self._pending:
            return
        data: pa.RecordBatch | pa.Table = (
            self._pending[0] if len(self._pending) == 1 else pa.Table.from_batches(self._pending)
        )
        self._pending, self._pending_rows = [], 0
        if not self._put(data) and self._error is not None:
            raise self._error

    def _stop(self, *, drop: bool = False) -> None:
        if drop:
            with contextlib.suppress(queue.Empty):
                while True:
                    self._queue.get_nowait()
        self._put(_DONE)
        self._thread.join()

    def _put(self, item: pa.RecordBatch | pa.Table | None) -> bool:
        """Queue ``item`` for the encoding thread; False if the thread has ended (an error)."""
        while self._thread.is_alive():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def _encode(self) -> None:
        """On the encoding thread: row groups into files until told to stop."""
        try:
            while (data := self._queue.get()) is not _DONE:
                current = self._open or self._start_file()
                # One row group per hand-off (row_group_size at least its rows).
                current.writer.write(data, row_group_size=max(data.num_rows, 1))
                current.stats.add(data)
                if current.sink.tell() >= TARGET_FILE_BYTES:
                    self._finish_file()
            self._finish_file()
        except BaseException as exc:
            self._error = exc

    def _start_file(self) -> _OpenPart:
        import pyarrow.parquet as pq

        name = f"part-{len(self._names):05d}-{uuid.uuid4()}-c000.{COMPRESSION}.parquet"
        self._names.append(name)
        sink = self._fs.open_output_stream(f"{self._root}/{name}")
        writer = pq.ParquetWriter(
            sink, self._schema, compression=COMPRESSION,
            dictionary_pagesize_limit=DICTIONARY_PAGE_BYTES,
        )  # fmt: skip
        self._open = _OpenPart(name, sink, writer, FileStats(self._schema))
        return self._open

    def _finish_file(self) -> None:
        current, self._open = self._open, None
        if current is None:
            return
        current.writer.close()
        size = current.sink.tell()
        current.sink.close()
        stats = current.stats
        now = int(time.time() * 1000)
        self.parts.append(Part(current.name, size, stats.rows, stats.to_json(), now))


@dataclass
class _OpenPart:
    name: str
    sink: Any
    writer: Any
    stats: FileStats
