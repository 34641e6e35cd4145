"""A run's record as the wire shows it (dataflows §7.4, §7.6) and its batch (§9.6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowservice.drivers.base import FileInfo
from flowservice.ingestion.pipeline import Tally

__all__ = ["COPY_FAILED", "PROMOTION_FAILED", "Outcome", "batch_document", "run_document"]

COPY_FAILED = "CONNECTOR-1001-500"
PROMOTION_FAILED = "CONNECTOR-2001-500"
PARTIAL = "INGEST-1212-400"
ROW_ERRORS = "INGEST-1211-400"


@dataclass
class Outcome:
    status: str  # success | failed
    started: int
    completed: int
    window: tuple[int | None, int]
    files: list[FileInfo] = field(default_factory=list)
    empty: list[FileInfo] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    output_bytes: int = 0
    batch_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)  # statusSummary errors
    copy_error: dict[str, Any] | None = None  # the source failed: code, message, detail
    export_base: str = "/data/foundation/export"


def _code_counts(tally: Tally) -> list[dict[str, Any]]:
    counts: dict[str, int] = {}
    for issue in tally.issues:
        counts[issue.code] = counts.get(issue.code, 0) + 1
    return [{"code": code, "recordCount": n} for code, n in sorted(counts.items())]


def run_document(outcome: Outcome, flow_spec: dict[str, Any]) -> dict[str, Any]:
    tally = outcome.tally
    duration = {"startedAtUTC": outcome.started, "completedAtUTC": outcome.completed}
    records = {
        "inputRecordCount": tally.input_records,
        "outputRecordCount": tally.output_records,
        "failedRecordCount": tally.failed_records,
    }
    files = {
        "inputFileCount": len(outcome.files),
        "outputFileCount": tally.files_read - len(tally.failed_files),
        "skippedFileCount": len(outcome.empty),
        "failedFileCount": len(tally.failed_files),
    }
    sizes = {"inputBytes": tally.input_bytes, "outputBytes": outcome.output_bytes}
    copy: dict[str, Any] = {
        "id": "copyActivity",
        "name": "Amazon S3 Copy Activity",
        "updatedAtUTC": outcome.completed,
        "durationSummary": {
            **duration,
            "extensions": {"windowStart": outcome.window[0], "windowEnd": outcome.window[1]},
        },
        "sizeSummary": {"inputBytes": tally.input_bytes, "outputBytes": tally.input_bytes},
        "recordSummary": {},
        "fileSummary": {
            "inputFileCount": len(outcome.files),
            "outputFileCount": tally.files_read,
            "skippedFileCount": len(outcome.empty),
        },
        "statusSummary": {
            "status": "failed" if outcome.copy_error else "success",
            "extensions": {"type": "one-time", "skippedFiles": [f.path for f in outcome.empty]},
        },
    }
    if outcome.copy_error:
        copy["statusSummary"]["extensions"] |= {
            "errorDetail": outcome.copy_error["detail"],
            "errors": [outcome.copy_error["source"]],
        }
    activities = [copy]
    if not outcome.copy_error:
        promotion: dict[str, Any] = {
            "id": "promotionActivity",
            "name": "Promotion Activity",
            "updatedAtUTC": outcome.completed,
            "durationSummary": duration,
            "sizeSummary": sizes,
            "recordSummary": records,
            "fileSummary": files,
            "statusSummary": {
                "status": outcome.status,
                "errors": outcome.errors,
                "extensions": {"errors": _code_counts(tally)},
            },
        }
        if outcome.batch_id:
            base = f"{outcome.export_base}/batches/{outcome.batch_id}/meta?path="
            promotion["fileSummary"]["extensions"] = {
                "manifest": {"fileInfo": base + "input_files"}
            }
            promotion["statusSummary"]["extensions"]["manifest"] = {
                "failedRecords": base + "row_errors",
                "sampleErrors": base + "row_error_samples.json",
            }
            promotion["targetInfo"] = [
                {
                    "type": "TargetConnection",
                    "reference": {"type": "Batch", "ids": [outcome.batch_id]},
                }
            ]
        activities.append(promotion)
    return {
        "flowSpec": flow_spec,
        "metrics": {
            "durationSummary": duration,
            "sizeSummary": sizes,
            "recordSummary": records,
            "fileSummary": {**files, "activityRefs": ["promotionActivity"]},
            "statusSummary": {
                "status": outcome.status,
                "errors": outcome.errors,
                "activityRefs": [a["id"] for a in activities],
            },
        },
        "activities": activities,
    }


def batch_document(
    outcome: Outcome,
    flow_id: str,
    run_id: str,
    dataset_id: str,
    data_files: list[dict[str, Any]],
    options: dict[str, Any],
    fmt: dict[str, Any],
) -> dict[str, Any]:
    tally = outcome.tally
    errors = [{"code": e["code"], "description": e["message"]} for e in outcome.errors]
    if options.get("errorDiagnosticsEnabled") or options.get("partialIngestionPercent"):
        errors += [
            {"code": c["code"], "description": "Failed records.", "recordCount": c["recordCount"]}
            for c in _code_counts(tally)
        ]
    tags: dict[str, Any] = {"flowId": [flow_id], "runId": [run_id]}
    if "errorDiagnosticsEnabled" in options:
        tags["acp_enableErrorDiagnostics"] = options["errorDiagnosticsEnabled"]
    if "partialIngestionPercent" in options:
        tags["acp_partialIngestionPercent"] = options["partialIngestionPercent"]
    return {
        "relatedObjects": [
            {"type": "dataSet", "id": dataset_id},
            {"type": "flowRun", "id": run_id},
        ],
        "tags": tags,
        "inputFormat": fmt,
        "metrics": {
            "inputByteSize": tally.input_bytes,
            "inputFileCount": len(outcome.files),
            "inputRecordCount": tally.input_records,
            "outputRecordCount": tally.output_records,
            "failedRecordCount": tally.failed_records,
        },
        "recordCount": tally.output_records,
        "failedRecordCount": tally.failed_records,
        "size": outcome.output_bytes,
        "errors": errors,
        "dataFiles": data_files,
    }


def failure(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def row_error_summary(tally: Tally) -> dict[str, Any]:
    return failure(
        PARTIAL,
        f"Encountered {tally.failed_records} errors in the data. Successfully ingested "
        f"{tally.output_records} rows. Review the associated diagnostic files for details.",
    )


def rows_failed(message: str) -> list[dict[str, Any]]:
    return [
        failure(PROMOTION_FAILED, "Error occurred at promotion activity."),
        failure(
            ROW_ERRORS,
            "Encountered errors while parsing, converting or otherwise validating "
            "the data. " + message,
        ),
    ]
