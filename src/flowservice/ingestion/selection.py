"""Which files a run takes (dataflows §13.4).

A source path names a file (``/b/in/a.csv``), a folder (``/b/in/``) or files by a wildcard in its
last segment (``/b/in/*.csv``). The folder is listed page by page; a file is a candidate when

- its LastModified is after the previous run's high watermark minus a *lookback* (default 15
  minutes: S3 multipart uploads carry the time the upload started, files share the boundary
  second, clocks drift) and not after the run's window end, and it is at least the minimum age;
- the flow's *ledger* has not recorded that ``(key, etag)`` as ingested: the lookback re-lists
  recent files, the ledger keeps them from being ingested twice.

Zero-byte files are skipped and counted. At most 25,000 files and 1 TB go into one run; the rest
wait for the next (they stay candidates: nothing records them).
"""

from __future__ import annotations

import fnmatch
import glob
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flowservice.drivers.base import FileInfo

__all__ = ["MAX_BYTES", "MAX_FILES", "Selection", "Window", "select_files", "split_path"]

MAX_FILES = 25_000
MAX_BYTES = 1 << 40  # 1 TB, uncompressed sizes are not known before reading: stored sizes


@dataclass(frozen=True)
class Window:
    """``(start, end]`` on LastModified, epoch ms; ``start`` None: everything (backfill)."""

    start_ms: int | None
    end_ms: int
    lookback_ms: int = 15 * 60 * 1000
    min_age_ms: int = 0

    def admits(self, file: FileInfo, now_ms: int) -> bool:
        if self.start_ms is not None and file.modified_ms <= self.start_ms - self.lookback_ms:
            return False
        return file.modified_ms <= self.end_ms and file.modified_ms <= now_ms - self.min_age_ms


@dataclass
class Selection:
    files: list[FileInfo] = field(default_factory=list)
    empty: list[FileInfo] = field(default_factory=list)
    waiting: int = 0  # candidates left for the next run by the caps
    bytes: int = 0

    @property
    def high_watermark_ms(self) -> int | None:
        return max((f.modified_ms for f in self.files), default=None)


def split_path(path: str, kind: str | None) -> tuple[str, str | None]:
    """The folder to list and the pattern names must match.

    ``/b/in/*.csv`` → (``/b/in/``, ``*.csv``); a folder (``/b/in/``, or ``type: folder``) →
    (``/b/in/``, None); a file (``type: file``) → its folder and its exact name (``[`` and ``*``
    in it are not wildcards then). A path of no
    declared type without a trailing slash is a file; the run lists its folder to find it.
    """
    folder, _, last = path.rpartition("/")
    if kind == "file" and last:
        return folder + "/", glob.escape(last)
    if any(c in last for c in "*?["):
        return folder + "/", last
    if path.endswith("/") or kind == "folder":
        return path.rstrip("/") + "/", None
    return folder + "/", glob.escape(last)


def select_files(
    listing: Iterable[FileInfo],
    window: Window,
    *,
    now_ms: int,
    pattern: str | None,
    ingested: Callable[[FileInfo], bool],
    max_files: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
) -> Selection:
    """The run's files from a listing; ``ingested`` asks the ledger about one file."""
    selection = Selection()
    for file in listing:
        name = file.path.rsplit("/", 1)[1]
        if pattern is not None and not fnmatch.fnmatchcase(name, pattern):
            continue
        if not window.admits(file, now_ms) or ingested(file):
            continue
        if file.size == 0:
            selection.empty.append(file)
            continue
        if len(selection.files) >= max_files or selection.bytes + file.size > max_bytes:
            selection.waiting += 1
            continue
        selection.files.append(file)
        selection.bytes += file.size
    return selection
