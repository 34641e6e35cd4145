"""The next files read while the current one is converted: threads ahead, order kept, bounded.

A run over many small files is bound by the latency of each file's requests, not by bytes; one
over a big file by parsing, casting and writing, one after the other. :func:`read_ahead` runs each
item's producer (open the object, stream its record batches) on a thread of its own, at most
``files`` items ahead of the consumer, each holding at most ``depth`` produced values until the
consumer takes them. The consumer sees the items in their order, with each item's values in
theirs, and the producer's exception at the point where it was raised. pyarrow's readers release
the GIL while they parse, so the threads overlap requests, parsing and the consumer's work.

When the consumer stops early (the run aborts, or the writer fails), the producers stop at their
next value and close what they opened.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")
R = TypeVar("R")
_POLL_SECONDS = 0.1


class _End:
    pass


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Lane(Generic[R]):
    """One item's values on their way from its producer thread to the consumer."""

    def __init__(self, depth: int, cancelled: threading.Event) -> None:
        self.values: queue.Queue[R | _End | _Raised] = queue.Queue(depth)
        self.cancelled = cancelled

    def fill(self, produce: Callable[[], Iterator[R]]) -> None:
        try:
            values = produce()
            try:
                for value in values:
                    if not self._put(value):
                        return
            finally:
                close = getattr(values, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Raised(exc))
            return
        self._put(_End())

    def _put(self, value: R | _End | _Raised) -> bool:
        while not self.cancelled.is_set():
            try:
                self.values.put(value, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def drain(self) -> Iterator[R]:
        while True:
            value = self.values.get()
            if isinstance(value, _End):
                return
            if isinstance(value, _Raised):
                raise value.error
            yield value


def read_ahead(
    items: Sequence[T],
    produce: Callable[[T], Iterator[R]],
    *,
    files: int = 4,
    depth: int = 1,
) -> Iterator[tuple[T, Iterator[R]]]:
    """``(item, its values)`` in order; up to ``files`` items are produced ahead of the consumer.

    Each item's values must be consumed (or the whole iterator closed) before the next item's.
    """
    if not items:
        return
    cancelled = threading.Event()
    lanes: deque[tuple[T, _Lane[R], Future[None]]] = deque()
    pool = ThreadPoolExecutor(max(1, min(files, len(items))), thread_name_prefix="flowservice-read")
    upcoming = iter(range(len(items)))

    def submit() -> None:
        index = next(upcoming, None)
        if index is None:
            return
        item = items[index]
        lane: _Lane[R] = _Lane(max(1, depth), cancelled)
        lanes.append((item, lane, pool.submit(lane.fill, lambda: produce(item))))

    try:
        for _ in range(max(1, files)):
            submit()
        while lanes:
            item, lane, _ = lanes.popleft()
            submit()
            yield item, lane.drain()
    finally:
        cancelled.set()
        pool.shutdown(wait=True, cancel_futures=True)
