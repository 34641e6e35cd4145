"""Replicas of the service acting on one database at the same moment, as separate processes
would: each its own ``Database`` (its own connections), started together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from flowservice.storage.db import Database

__all__ = ["at_once"]

T = TypeVar("T")


def at_once(
    url: str, count: int, act: Callable[[Database, int], T], timeout: float = 120
) -> list[T]:
    """What ``act(database, index)`` returned in each of ``count`` replicas, in index order."""
    replicas = [Database(url, pool_size=2) for _ in range(count)]
    start = threading.Barrier(count)
    results: dict[int, T] = {}

    def run(index: int) -> None:
        start.wait()
        results[index] = act(replicas[index], index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
    finally:
        for each in replicas:
            each.dispose()
    assert len(results) == count, "a replica did not finish"
    return [results[i] for i in range(count)]
