"""A batch's diagnostics files (dataflows §8), served by the Data Access ``meta`` endpoint.

- ``input_files/fileMetaData1.json``: one ``{"path"}`` line per file the run read (always);
- ``row_errors/parsing_errors_0.json`` (rows that did not parse) and
  ``row_errors/conversion_errors_0.json`` (values that did not convert, missing required fields):
  one line per failed record, ``{"_corrupt_record", "_errors": [{"code", "message"}],
  "_filename", "_line", "_column"}``, when diagnostics are on;
- ``row_error_samples.json``: the first 100 failed records as one JSON array.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowservice.ingestion.readers import CORRUPT_ROW, RowIssue

if TYPE_CHECKING:
    from flowservice.ingestion.report import Outcome

__all__ = ["write"]

SAMPLES = 100


def _line(issue: RowIssue, name: str) -> dict[str, Any]:
    code = issue.code.split("-")[1] if issue.code.count("-") == 2 else issue.code
    return {
        "_corrupt_record": issue.record,
        "_errors": [{"code": code, "message": issue.reason}],
        "_filename": name,
        "_file": issue.file,
        "_line": issue.line,
        "_column": issue.column,
    }


def _write(path: Path, text: str) -> None:
    """Atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write(folder: Path, outcome: Outcome, *, enabled: bool) -> None:
    meta = folder / "meta"
    lines = "".join(json.dumps({"path": f.path}) + "\n" for f in outcome.files)
    _write(meta / "input_files" / "fileMetaData1.json", lines)
    if not enabled:
        return
    issues = outcome.tally.issues
    groups = {
        "parsing_errors_0.json": [i for i in issues if i.code == CORRUPT_ROW],
        "conversion_errors_0.json": [i for i in issues if i.code != CORRUPT_ROW],
    }
    for name, group in groups.items():
        if group:
            _write(
                meta / "row_errors" / name,
                "".join(json.dumps(_line(i, name)) + "\n" for i in group),
            )
    samples = [_line(i, "row_error_samples.json") for i in issues[:SAMPLES]]
    _write(meta / "row_error_samples.json", json.dumps(samples))
