"""The rows of a run's files, read, mapped and cast, as one stream of batches for the writer.

Files are read ahead on a few threads (:mod:`readahead`: each a stream of bounded batches, in
order) while the current one is mapped and cast here and written by the caller. A file that
cannot be read at all (not what its format says, corrupt) is a failed file with one issue; the
run goes on. The stream ends early, with :class:`Abort`, once the run can no longer succeed:
without partial ingestion at the first failed record, with it when the share of failed records
is over the threshold at the end; the writer then commits nothing.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowservice.drivers.base import ByteSource, FileInfo
from flowservice.errors import SourceUserError, TransientError, UserError
from flowservice.ingestion.casting import added_fields, cast_batch, infer_fields
from flowservice.ingestion.readahead import read_ahead
from flowservice.ingestion.readers import CORRUPT_ROW, FileFormat, RowIssue, read_batches
from flowservice.mappings.evaluate import CompiledMapping, apply_mappings

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Abort", "Pipeline", "Tally", "Widen"]

READ_AHEAD_FILES = 4  # files read at once: hides each small file's request latency
READ_AHEAD_BATCHES = 1  # batches a reader may hold beyond the one being converted
# Batches smaller than this (small files) are cast together: a cast costs ~1 ms of fixed
# overhead per batch, as much as a small file's GET (docs/benchmarks.md, "Ingestion").
GATHER_ROWS = 32 * 1024


@dataclass(frozen=True)
class _Piece:
    """A batch waiting for its cast: its file, and the record number of each of its rows."""

    batch: pa.RecordBatch
    path: str
    first: int  # the record number of the batch's first row as read
    kept: list[int] | None = None  # rows of the batch as read that are left (mapping errors)

    def line(self, row: int) -> int:
        return self.first + (self.kept[row] if self.kept is not None else row)


class Abort(Exception):
    """The run cannot succeed: stop streaming so that nothing is committed."""


class Widen(Exception):
    """A file brought columns the stream's schema lacks: read the run again with ``fields``.

    A Delta write has one schema, fixed by its first batch; nothing is committed yet, so reading
    the files again with the wider schema loses nothing (and happens once per new column set).
    """

    def __init__(self, fields: list[dict[str, Any]]) -> None:
        super().__init__("new columns")
        self.fields = fields


@dataclass
class Tally:
    input_records: int = 0
    output_records: int = 0
    failed_records: int = 0
    input_bytes: int = 0
    files_read: int = 0
    failed_files: list[str] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)

    def share_failed(self) -> float:
        return 100.0 * self.failed_records / self.input_records if self.input_records else 0.0


@dataclass
class Pipeline:
    open_file: Callable[[FileInfo], ByteSource]
    fmt: FileFormat
    mappings: Sequence[CompiledMapping]
    fields: list[dict[str, Any]] | None  # None: the first batch decides
    evolve: bool  # the dataset's schema came from data, so new columns may be added
    threshold: float | None  # partialIngestionPercent, or None: any failed record fails
    tally: Tally = field(default_factory=Tally)
    fields_changed: bool = False
    yielded: bool = False
    # What stopped the stream, kept for the run: a writer may report it wrapped in an error of
    # its own (an encoding thread, a C stream), and the run reports the real reason.
    failure: BaseException | None = None
    # Small batches waiting to be cast together, and their rows.
    _gathered: list[_Piece] = field(default_factory=list, init=False, repr=False)
    _gathered_rows: int = field(default=0, init=False, repr=False)

    def batches(self, files: Sequence[FileInfo]) -> Iterator[pa.RecordBatch]:
        try:
            for file, read in read_ahead(
                files, self._read, files=READ_AHEAD_FILES, depth=READ_AHEAD_BATCHES
            ):
                yield from self._file(file, read)
            yield from self._cast_gathered()
            if self.threshold is not None and self.tally.share_failed() > self.threshold:
                raise Abort(
                    f"{self.tally.failed_records} of {self.tally.input_records} records "
                    f"failed, over the partial ingestion threshold of {self.threshold}%."
                )
        except BaseException as exc:
            self.failure = exc
            raise

    def _read(self, file: FileInfo) -> Iterator[tuple[pa.RecordBatch | None, list[RowIssue]]]:
        """On a reader thread: the file's batches, each with the unreadable records met so far."""
        source = self.open_file(file)
        issues: list[RowIssue] = []
        for batch in read_batches(source, file.path, self.fmt, issues):
            found, issues[:] = issues[:], []
            yield batch, found
        yield None, issues

    def _file(
        self, file: FileInfo, read: Iterator[tuple[pa.RecordBatch | None, list[RowIssue]]]
    ) -> Iterator[pa.RecordBatch]:
        self.tally.files_read += 1
        self.tally.input_bytes += file.size
        record = 1
        try:
            for batch, issues in read:
                if batch is not None:
                    yield from self._batch(batch, file.path, record)
                    record += batch.num_rows
                self._count_read_issues(issues)
        except (SourceUserError, TransientError):
            raise  # the source failed: a copy error, the run's to report
        except UserError as exc:  # the file is not what its format says
            self.tally.failed_files.append(file.path)
            self._fail(RowIssue(file.path, None, None, CORRUPT_ROW, exc.message))

    def _count_read_issues(self, issues: list[RowIssue]) -> None:
        while issues:
            issue = issues.pop(0)
            self.tally.input_records += 1
            self._fail(issue)

    def _batch(self, batch: pa.RecordBatch, path: str, first: int) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        self.tally.input_records += batch.num_rows
        kept: list[int] | None = None
        if self.mappings:
            mapped = apply_mappings(pa.Table.from_batches([batch]), self.mappings)
            failed_rows = {e.row for e in mapped.errors}
            for error in mapped.errors:
                issue = RowIssue(path, first + error.row, error.column, error.code, error.message)
                self._fail(issue, count=False)
            self.tally.failed_records += len(failed_rows)
            table = mapped.table
            if failed_rows:
                kept = [i for i in range(table.num_rows) if i not in failed_rows]
                table = table.take(pa.array(kept, pa.int64()))
            if not table.num_rows:
                return
            batch = table.combine_chunks().to_batches()[0]
        self._settle_fields(batch)
        piece = _Piece(batch, path, first, kept)
        gathered = self._gathered
        if gathered and gathered[0].batch.schema != batch.schema:
            yield from self._cast_gathered()
        if batch.num_rows >= GATHER_ROWS:
            yield from self._cast_gathered()
            yield from self._cast([piece])
            return
        gathered.append(piece)
        self._gathered_rows += batch.num_rows
        if self._gathered_rows >= GATHER_ROWS:
            yield from self._cast_gathered()

    def _cast_gathered(self) -> Iterator[pa.RecordBatch]:
        if self._gathered:
            pieces, self._gathered, self._gathered_rows = self._gathered, [], 0
            yield from self._cast(pieces)

    def _cast(self, pieces: list[_Piece]) -> Iterator[pa.RecordBatch]:
        """Cast batches (of one schema, from one file or several) at once; each failed record
        is told with its own file and record number."""
        import pyarrow as pa

        assert self.fields is not None
        if len(pieces) == 1:
            batch = pieces[0].batch
        else:
            table = pa.Table.from_batches([p.batch for p in pieces]).combine_chunks()
            batch = table.to_batches()[0]
        issues: list[RowIssue] = []
        cast = cast_batch(batch, self.fields, "", 0, issues)
        failed = batch.num_rows - cast.num_rows
        for issue in _placed(issues, pieces):
            self._fail(issue, count=False)
        self.tally.failed_records += failed
        self.tally.output_records += cast.num_rows
        if cast.num_rows:
            self.yielded = True
            yield cast

    def _settle_fields(self, batch: pa.RecordBatch) -> None:
        if self.fields is None:
            self.fields = infer_fields(batch)
            self.fields_changed = True
        elif self.evolve:
            extra = added_fields(self.fields, batch.schema.names)
            if extra:
                widened = [*self.fields, *extra]
                if self.yielded:
                    raise Widen(widened)
                self.fields = widened
                self.fields_changed = True

    def _fail(self, issue: RowIssue, *, count: bool = True) -> None:
        self.tally.issues.append(issue)
        if count:
            self.tally.failed_records += 1
        if self.threshold is None:
            raise Abort(f"A record failed ({issue.code}) in {issue.file}: {issue.reason}")


def _placed(issues: list[RowIssue], pieces: list[_Piece]) -> list[RowIssue]:
    """Issues of a cast over pieces (rows counted from 0 across them), each moved to its
    piece's file and record number."""
    starts = list(itertools.accumulate((p.batch.num_rows for p in pieces), initial=0))
    placed = []
    for issue in issues:
        row = issue.line or 0
        index = bisect.bisect_right(starts, row) - 1
        piece = pieces[index]
        line = piece.line(row - starts[index])
        placed.append(dataclasses.replace(issue, file=piece.path, line=line))
    return placed
