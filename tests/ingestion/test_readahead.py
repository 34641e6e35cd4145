"""read_ahead: order kept, errors where they happened, bounded work ahead, producers stopped."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from flowservice.ingestion.readahead import read_ahead


def test_items_and_their_values_keep_their_order() -> None:
    def produce(n: int) -> Iterator[int]:
        time.sleep(0.01 * (5 - n))  # later items finish first
        yield from range(n * 10, n * 10 + 3)

    seen = [(item, list(values)) for item, values in read_ahead(range(5), produce, files=3)]
    assert seen == [(n, [n * 10, n * 10 + 1, n * 10 + 2]) for n in range(5)]


def test_a_producer_error_is_raised_after_the_values_before_it() -> None:
    def produce(n: int) -> Iterator[int]:
        yield n
        if n == 1:
            raise ValueError("bad file")
        yield n + 100

    results: list[object] = []
    for item, values in read_ahead([0, 1, 2], produce, files=2):
        try:
            results.extend(values)
        except ValueError as exc:
            results.append(f"{item}: {exc}")
    assert results == [0, 100, 1, "1: bad file", 2, 102]


def test_no_more_than_files_items_are_produced_at_once() -> None:
    lock = threading.Lock()
    running = peak = 0

    def produce(n: int) -> Iterator[int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)
            yield n
        finally:
            with lock:
                running -= 1

    total = sum(sum(values) for _, values in read_ahead(range(20), produce, files=3))
    assert total == sum(range(20))
    assert 1 < peak <= 3


def test_producers_stop_and_close_when_the_consumer_stops() -> None:
    closed: list[int] = []
    produced: list[int] = []

    def produce(n: int) -> Iterator[int]:
        try:
            for value in range(1_000_000):
                produced.append(value)
                yield value
        finally:
            closed.append(n)

    stream = read_ahead(range(4), produce, files=2, depth=2)
    _, values = next(stream)
    assert next(values) == 0
    stream.close()
    assert sorted(closed) == [0, 1]  # both started producers closed, the others never started
    assert len(produced) < 20  # each waited on its bounded lane instead of running on


def test_nothing_to_read() -> None:
    assert list(read_ahead([], lambda n: iter([n]))) == []


@pytest.mark.parametrize("files", [1, 8])
def test_any_number_of_threads_gives_the_same_stream(files: int) -> None:
    out = [list(v) for _, v in read_ahead(range(6), lambda n: iter(range(n)), files=files)]
    assert out == [list(range(n)) for n in range(6)]
