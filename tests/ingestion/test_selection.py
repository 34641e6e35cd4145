"""File selection (§13.4): window and lookback, ledger, minimum age, empty files, caps."""

from __future__ import annotations

from flowservice.drivers.base import FileInfo
from flowservice.ingestion.selection import Window, select_files, split_path

MINUTE = 60_000
NOW = 1_800_000_000_000


def _file(name: str, modified: int, size: int = 10, etag: str = "e1") -> FileInfo:
    return FileInfo(f"/b/in/{name}", size, modified, etag)


def _names(files: list[FileInfo]) -> list[str]:
    return [f.path.rsplit("/", 1)[1] for f in files]


def test_split_path() -> None:
    assert split_path("/b/in/*.csv", "folder") == ("/b/in/", "*.csv")
    assert split_path("/b/in/", None) == ("/b/in/", None)
    assert split_path("/b/in", "folder") == ("/b/in/", None)
    assert split_path("/b/in/a[1].csv", "file") == ("/b/in/", "a[[]1].csv")
    assert split_path("/b/in/a.csv", None) == ("/b/in/", "a.csv")


def test_backfill_takes_everything_up_to_the_window_end() -> None:
    files = [
        _file("old.csv", NOW - 10**9),
        _file("new.csv", NOW - MINUTE),
        _file("later.csv", NOW + MINUTE),
    ]
    selection = select_files(
        files, Window(None, NOW), now_ms=NOW, pattern=None, ingested=lambda f: False
    )
    assert _names(selection.files) == ["old.csv", "new.csv"]
    assert selection.bytes == 20
    assert selection.high_watermark_ms == NOW - MINUTE


def test_the_lookback_relists_recent_files_and_the_ledger_drops_the_ingested_ones() -> None:
    start = NOW - 60 * MINUTE
    files = [
        _file("long-ago.csv", start - 20 * MINUTE),
        _file("boundary-second.csv", start),  # shares the previous run's last second
        _file("multipart.csv", start - 5 * MINUTE),  # visible late, LastModified older
        _file("seen.csv", start - 2 * MINUTE),
        _file("seen-changed.csv", start - 2 * MINUTE, etag="e2"),
    ]
    ledger = {("/b/in/seen.csv", "e1"), ("/b/in/seen-changed.csv", "e1")}
    selection = select_files(
        files,
        Window(start, NOW),
        now_ms=NOW,
        pattern=None,
        ingested=lambda f: (f.path, f.etag) in ledger,
    )
    assert _names(selection.files) == ["boundary-second.csv", "multipart.csv", "seen-changed.csv"]


def test_wildcards_minimum_age_and_empty_files() -> None:
    files = [
        _file("a.csv", NOW - 10 * MINUTE),
        _file("b.json", NOW - 10 * MINUTE),
        _file("fresh.csv", NOW - 10_000),
        _file("empty.csv", NOW - 10 * MINUTE, size=0),
    ]
    window = Window(None, NOW, min_age_ms=MINUTE)
    selection = select_files(files, window, now_ms=NOW, pattern="*.csv", ingested=lambda f: False)
    assert _names(selection.files) == ["a.csv"]
    assert _names(selection.empty) == ["empty.csv"]


def test_caps_leave_the_rest_for_the_next_run() -> None:
    files = [_file(f"f{i}.csv", NOW - MINUTE, size=100) for i in range(10)]
    by_count = select_files(
        files, Window(None, NOW), now_ms=NOW, pattern=None, ingested=lambda f: False, max_files=3
    )
    assert (len(by_count.files), by_count.waiting) == (3, 7)
    by_size = select_files(
        files, Window(None, NOW), now_ms=NOW, pattern=None, ingested=lambda f: False, max_bytes=450
    )
    assert (len(by_size.files), by_size.waiting) == (4, 6)
