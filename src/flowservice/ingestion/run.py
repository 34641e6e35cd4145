"""One claimed run, start to end: select the files, stream them into the dataset, record it all.

Order matters for exactly-once: the selected files are saved on the run before anything is read;
the Delta commit (tagged ``(flow id, run seq)``) is the point of no return; the ledger, the batch,
the dataset's metadata and the run's end come after it. An attempt that finds its run already
committed (the previous attempt died after the commit) does not read again: it fills the ledger
from the saved selection and finishes the record from the commit in the log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError

from flowservice.clock import now_ms
from flowservice.datasets.ids import new_batch_id
from flowservice.datasets.lake import batch_meta_dir
from flowservice.datasets.service import DATASETS, bump_version
from flowservice.drivers.base import FileInfo
from flowservice.errors import FlowServiceError, SourceUserError, TransientError
from flowservice.flows.options import check_transformations
from flowservice.flows.sources import check_source_body
from flowservice.flows.tables import FLOWS
from flowservice.formats.kinds import Compression
from flowservice.identity.service import sandbox_name
from flowservice.ingestion import diagnostics
from flowservice.ingestion.pipeline import Abort, Pipeline, Tally, Widen
from flowservice.ingestion.readers import FileFormat
from flowservice.ingestion.report import (
    COPY_FAILED,
    PROMOTION_FAILED,
    Outcome,
    batch_document,
    failure,
    row_error_summary,
    rows_failed,
    run_document,
)
from flowservice.ingestion.selection import Window, select_files, split_path
from flowservice.ingestion.writer import Committed, committed_run, committed_version, write_once
from flowservice.resources.updates import new_etag
from flowservice.runs.queue import Claim, finish, retry
from flowservice.runs.service import RUNS
from flowservice.storage.models import IngestedFile, RunSelection
from flowservice.tenancy import Tenant

if TYPE_CHECKING:
    from flowservice.services import Services

__all__ = ["execute_run"]

LEDGER: Table = IngestedFile.__table__  # type: ignore[assignment]
SELECTIONS: Table = RunSelection.__table__  # type: ignore[assignment]

log = logging.getLogger("flowservice.ingestion")
MAX_WIDENINGS = 8
MAX_RETRY_SECONDS = 3600.0


@dataclass
class _Context:
    tenant: Tenant
    run: Any
    flow: Any
    held: Claim


def _file(entry: dict[str, Any]) -> FileInfo:
    return FileInfo(entry["path"], entry["size"], entry["modified"], entry["etag"])


def _entry(file: FileInfo) -> dict[str, Any]:
    return {"path": file.path, "size": file.size, "modified": file.modified_ms, "etag": file.etag}


def execute_run(services: Services, held: Claim) -> None:
    """Run ``held`` to its end; every write is fenced by the attempt held."""
    with services.db.read() as connection:
        run = connection.execute(select(RUNS.table).where(RUNS.table.c.id == held.run_id)).first()
    if run is None:
        return
    tenant = Tenant(
        run.org_id, run.sandbox_id, sandbox_name(services.db, run.sandbox_id) or "", run.created_by
    )
    started = run.started_at or now_ms()
    finish(services.db, held, {"started_at": started})
    flow = services.flows.reader.row(tenant, run.flow_id)
    outcome = Outcome("failed", started, started, (run.window_start, run.window_end))
    if flow is None:
        outcome.errors = [
            failure(COPY_FAILED, "Error in copying the data from Source: the flow was deleted.")
        ]
        _record(services, _Context(tenant, run, None, held), outcome)
        return
    context = _Context(tenant, run, flow, held)
    try:
        _ingest(services, context, outcome)
    except TransientError as exc:
        if held.attempt < services.settings.run_max_attempts:
            _retry_later(services, context, exc)
            return
        _source_failed(outcome, exc, f" (after {held.attempt} attempts)")
    except SourceUserError as exc:
        _source_failed(outcome, exc)
    except _PromotionError as exc:
        outcome.status = "failed"
        outcome.errors = [failure(PROMOTION_FAILED, f"Error occurred at promotion activity: {exc}")]
    except FlowServiceError as exc:
        outcome.status = "failed"
        outcome.errors = [
            failure(PROMOTION_FAILED, f"Error occurred at promotion activity: {exc.message}")
        ]
    except Exception:
        log.exception("run %s failed", run.id)
        outcome.status = "failed"
        outcome.errors = [
            failure(PROMOTION_FAILED, "Error occurred at promotion activity (an internal error).")
        ]
    outcome.completed = now_ms()
    _record(services, context, outcome)


def _source_failed(outcome: Outcome, exc: FlowServiceError, after: str = "") -> None:
    outcome.status = "failed"
    outcome.copy_error = {
        "detail": exc.message,
        "source": {"code": exc.code, "message": exc.message},
    }
    outcome.errors = [
        failure(COPY_FAILED, f"Error in copying the data from Source: {exc.message}{after}")
    ]


def _retry_later(services: Services, context: _Context, exc: TransientError) -> None:
    """A transient failure (timeouts, throttling): the run goes back to the queue, due after a
    backoff that doubles with each attempt; the reasons are kept on the run's record."""
    held, settings = context.held, services.settings
    delay = min(settings.run_retry_seconds * 2 ** (held.attempt - 1), MAX_RETRY_SECONDS)
    at = now_ms() + int(delay * 1000)
    reason = {"attempt": held.attempt, "code": exc.code, "message": exc.message, "retryAt": at}
    document = {
        **context.run.document,
        "retries": [*context.run.document.get("retries", []), reason],
    }
    if retry(services.db, held, at, document):
        log.warning(
            "run %s attempt %d: %s; retried in %.0f s",
            held.run_id,
            held.attempt,
            exc.message,
            delay,
        )


def _ingest(services: Services, context: _Context, outcome: Outcome) -> None:
    tenant, run, flow = context.tenant, context.run, context.flow
    source = services.sources.reader.require(tenant, flow.source_connection_id)
    target = services.targets.reader.require(tenant, flow.target_connection_id)
    dataset = services.datasets.row(tenant, target.dataset_id)
    if dataset is None:
        raise _promotion(f"The target dataset {target.dataset_id} no longer exists.")
    spec = check_source_body(source.document)
    opened = services.connections.open(tenant, source.base_connection_id)
    driver = services.connections.driver(opened.spec)
    settings = services.settings
    window = Window(
        run.window_start,
        run.window_end,
        settings.ingest_lookback_seconds * 1000,
        settings.ingest_min_age_seconds * 1000,
    )
    uri = services.datasets.table_uri(tenant, dataset.id)
    if (committed_version(uri, flow.id) or -1) >= run.seq:
        _recover(services, context, outcome, uri, dataset)
        return
    selected = _saved_selection(services, run)
    if selected is None:
        folder, pattern = split_path(spec.path, spec.kind)
        listing = driver.list_files(opened.auth_spec_name, opened.params, folder, spec.recursive)
        ledger = _ledger(services, flow.id)
        selection = select_files(
            listing,
            window,
            now_ms=now_ms(),
            pattern=pattern,
            ingested=lambda f: (f.path, f.etag) in ledger,
        )
        selected = {
            "files": [_entry(f) for f in selection.files],
            "empty": [_entry(f) for f in selection.empty],
            "waiting": selection.waiting,
        }
        selected = _save_selection(services, run.id, selected)
    outcome.files = [_file(f) for f in selected["files"]]
    outcome.empty = [_file(f) for f in selected["empty"]]
    if not outcome.files:
        outcome.status = "success"
        return
    options = flow.document.get("options", {})
    threshold = options.get("partialIngestionPercent")
    mappings = [
        c
        for mid, ver in check_transformations(
            flow.document.get("transformations", []),
            frozenset({"Mapping"}),
            lambda m, v: services.mappings.exists(tenant, m, v),
        )
        for c in services.mappings.compiled(tenant, mid, ver)
    ]
    fmt = FileFormat(
        spec.format,
        cast(Compression, spec.compression or "none"),
        spec.column_delimiter or ",",
        spec.encoding or "UTF-8",
    )
    fields = dataset.table_schema
    evolve = fields is None or bool(dataset.document.get("schemaFromData"))
    for _ in range(MAX_WIDENINGS):
        pipeline = Pipeline(
            lambda file: driver.open_file(
                opened.auth_spec_name, opened.params, file.path, size=file.size
            ),
            fmt,
            mappings,
            fields,
            evolve,
            float(threshold) if threshold else None,
        )
        try:
            committed = _write(
                pipeline, uri, outcome.files, flow.id, run.seq, evolve, settings.failpoint
            )
            _crash_if(settings.failpoint, "after-commit")
            break
        except Widen as wider:
            fields = wider.fields
        except Abort as abort:
            outcome.tally = pipeline.tally
            outcome.status = "failed"
            outcome.errors = rows_failed(str(abort))
            _batch(services, context, outcome, dataset, None, options, fmt)
            return
    else:
        raise _promotion(
            "The files keep bringing new columns; the run gave up widening the schema."
        )
    outcome.tally = pipeline.tally
    outcome.output_bytes = committed.bytes
    outcome.status = "success"
    if outcome.tally.failed_records:
        outcome.errors = [
            failure(PROMOTION_FAILED, "Error occurred at promotion activity."),
            row_error_summary(outcome.tally),
        ]
    _after_commit(
        services,
        context,
        outcome,
        dataset,
        committed,
        options,
        fmt,
        pipeline.fields if pipeline.fields_changed else None,
    )


def _crash_if(failpoint: str, here: str) -> None:
    """``FLOWSERVICE_FAILPOINT``: end the process here, with no cleanup, as kill -9 would."""
    if failpoint == here:
        log.warning("failpoint %s: exiting", here)
        os._exit(137)


def _crashing(batches: Iterator[Any], failpoint: str) -> Iterator[Any]:
    for n, batch in enumerate(batches):
        if n == 1:
            _crash_if(failpoint, "mid-stream")  # one batch is in the writer's hands
        yield batch


def _write(
    pipeline: Pipeline,
    uri: str,
    files: list[FileInfo],
    app_id: str,
    seq: int,
    evolve: bool,
    failpoint: str = "",
) -> Committed:
    """The run's one commit, with the pipeline's own reason when the stream stopped."""
    try:
        batches = _crashing(pipeline.batches(files), failpoint)
        return write_once(uri, None, batches, app_id=app_id, seq=seq, evolve=evolve)
    except Exception as exc:
        if pipeline.failure is not None and pipeline.failure is not exc:
            raise pipeline.failure from None
        raise


class _PromotionError(Exception):
    """The data cannot be written where the flow says: the run fails at promotion."""


def _promotion(message: str) -> _PromotionError:
    return _PromotionError(message)


def _recover(
    services: Services, context: _Context, outcome: Outcome, uri: str, dataset: Any
) -> None:
    """The previous attempt committed and died: finish its record without reading again."""
    selected = _saved_selection(services, context.run) or {"files": [], "empty": []}
    outcome.files = [_file(f) for f in selected["files"]]
    outcome.empty = [_file(f) for f in selected["empty"]]
    committed = committed_run(uri, context.flow.id, context.run.seq)
    outcome.tally = Tally(
        input_records=committed.rows,
        output_records=committed.rows,
        input_bytes=sum(f.size for f in outcome.files),
        files_read=len(outcome.files),
    )
    outcome.output_bytes = committed.bytes
    outcome.status = "success"
    options = context.flow.document.get("options", {})
    _after_commit(services, context, outcome, dataset, committed, options, {}, None)


def _saved_selection(services: Services, run: Any) -> dict[str, Any] | None:
    t = SELECTIONS
    with services.db.read() as connection:
        found = connection.execute(select(t.c.document).where(t.c.run_id == run.id)).scalar()
    # Before migration 0003 the selection lived in the run's document.
    return cast(dict[str, Any] | None, found or run.document.get("selection"))


def _save_selection(services: Services, run_id: str, selected: dict[str, Any]) -> dict[str, Any]:
    """Saved once: when another attempt saved first, its files are the run's."""
    try:
        with services.db.write() as session:
            session.execute(SELECTIONS.insert().values(run_id=run_id, document=selected))
    except IntegrityError:
        with services.db.read() as connection:
            found = connection.execute(
                select(SELECTIONS.c.document).where(SELECTIONS.c.run_id == run_id)
            ).scalar()
        return cast(dict[str, Any], found)
    return selected


def _ledger(services: Services, flow_id: str) -> set[tuple[str, str]]:
    t = LEDGER
    with services.db.read() as connection:
        rows = connection.execute(select(t.c.path, t.c.etag).where(t.c.flow_id == flow_id)).all()
    return {(r.path, r.etag) for r in rows}


def _after_commit(
    services: Services,
    context: _Context,
    outcome: Outcome,
    dataset: Any,
    committed: Committed,
    options: dict[str, Any],
    fmt: Any,
    fields: list[dict[str, Any]] | None,
) -> None:
    now = now_ms()
    with services.db.write() as session:
        t = LEDGER
        known = _ledger(services, context.flow.id)
        for file in outcome.files + outcome.empty:
            if (file.path, file.etag) not in known:
                session.execute(
                    t.insert().values(
                        flow_id=context.flow.id,
                        path=file.path,
                        etag=file.etag,
                        run_id=context.run.id,
                        size=file.size,
                        modified_at=file.modified_ms,
                        ingested_at=now,
                    )
                )
    _batch(services, context, outcome, dataset, committed, options, fmt, fields)


def _batch(
    services: Services,
    context: _Context,
    outcome: Outcome,
    dataset: Any,
    committed: Committed | None,
    options: dict[str, Any],
    fmt: Any,
    fields: list[dict[str, Any]] | None = None,
) -> None:
    tenant, run = context.tenant, context.run
    batch_id = run.document.get("batchId") or new_batch_id()
    outcome.batch_id = batch_id
    status = "success" if outcome.status == "success" else "failed"
    input_format = _input_format(fmt)
    document = batch_document(
        outcome,
        context.flow.id,
        run.id,
        dataset.id,
        committed.files if committed else [],
        options,
        input_format,
    )
    uri = services.datasets.table_uri(tenant, dataset.id)
    diagnostics.write(
        batch_meta_dir(uri, batch_id),
        outcome,
        enabled=bool(
            options.get("errorDiagnosticsEnabled") or options.get("partialIngestionPercent")
        ),
    )
    if services.batches.exists(tenant, batch_id) is False:
        services.batches.create(
            tenant,
            {
                "id": batch_id,
                "dataset_id": dataset.id,
                "flow_id": context.flow.id,
                "run_id": run.id,
                "status": status,
                "document": document,
                "started_at": outcome.started,
                "completed_at": now_ms(),
            },
        )
    _update_dataset(services, tenant, dataset, batch_id, status, committed, fields)


def _input_format(fmt: Any) -> dict[str, Any]:
    if not isinstance(fmt, FileFormat):
        return {}
    kind = {"delimited": "csv"}.get(fmt.kind, fmt.kind)
    described: dict[str, Any] = {"format": kind}
    if fmt.kind == "delimited":
        described |= {"delimiter": fmt.delimiter, "charset": fmt.encoding, "header": "true"}
    return described


def _update_dataset(
    services: Services,
    tenant: Tenant,
    dataset: Any,
    batch_id: str,
    status: str,
    committed: Committed | None,
    fields: list[dict[str, Any]] | None,
) -> None:
    t = DATASETS.table
    values: dict[str, Any] = {
        "last_batch_id": batch_id,
        "last_batch_status": status,
        "updated_at": now_ms(),
        "version": bump_version(dataset.version),
    }
    if status == "success":
        values["last_successful_batch"] = batch_id
    if committed is not None and not committed.already:
        values["row_count"] = t.c.row_count + committed.rows
        values["storage_size"] = t.c.storage_size + committed.bytes
    if fields is not None:
        values["table_schema"] = fields
        values["document"] = {**dataset.document, "schemaFromData": True}
    with services.db.write() as session:
        session.execute(
            update(t).where(t.c.id == dataset.id, *DATASETS.scope(tenant)).values(**values)
        )


def _record(services: Services, context: _Context, outcome: Outcome) -> None:
    run, flow = context.run, context.flow
    flow_spec = run.document.get("flowSpec", {})
    document = {**run.document, **run_document(outcome, flow_spec)}
    if outcome.batch_id:
        document["batchId"] = outcome.batch_id
    written = finish(
        services.db,
        context.held,
        {
            "state": outcome.status,
            "completed_at": outcome.completed,
            "document": document,
            "lease_owner": None,
            "lease_expires_at": None,
        },
    )
    if written and flow is not None:
        _last_run(services, context.tenant, flow.id, run.id, outcome)


def _last_run(
    services: Services, tenant: Tenant, flow_id: str, run_id: str, outcome: Outcome
) -> None:
    """``lastRunDetails`` on the flow, with a new etag like every write of what the flow shows.

    Not an edit by a client (``updatedAt`` and ``updatedBy`` stay), but a new version of the
    document: the contract's etags are Cosmos DB's, which change with every write, and a PATCH
    computed from the flow as it was before this write then gets ``1404-412`` instead of writing
    the old ``lastRunDetails`` back; kept renderings stay right (flowservice.resources.rendered).
    """
    t = FLOWS.table
    details = {
        "id": run_id,
        "state": outcome.status,
        "startedAtUTC": outcome.started,
        "completedAtUTC": outcome.completed,
    }
    with services.db.write() as session:
        row = session.execute(
            select(t.c.document).where(t.c.id == flow_id, *FLOWS.scope(tenant))
        ).first()
        if row is not None:
            session.execute(
                update(t)
                .where(t.c.id == flow_id)
                .values(document={**row.document, "lastRunDetails": details}, etag=new_etag())
            )
