"""The in-process executor: claims due runs from the store and executes them on a few threads.

It is the simple form of the workers of the next issue, behind a small interface (``start``,
``stop``) so that a production executor can take its place. While a run executes, a heartbeat
extends its lease; if the heartbeat finds the lease lost (another worker took the run over), the
run's later writes are refused by their attempt fence. A run made in this process wakes the claim
loop at once (``RunService.created``); runs made elsewhere are found at the next poll. When a run
ends, the memory it freed goes back to the system (:mod:`memory`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial
from typing import TYPE_CHECKING, Protocol

from flowservice.ingestion import memory
from flowservice.ingestion.run import execute_run
from flowservice.runs.queue import Claim, claim, heartbeat, release

if TYPE_CHECKING:
    from flowservice.services import Services

__all__ = ["Executor", "LocalExecutor"]

log = logging.getLogger("flowservice.worker")


class Executor(Protocol):
    def start(self) -> None: ...

    def stop(self, timeout: float = 30.0) -> None: ...


class LocalExecutor:
    def __init__(self, services: Services, concurrency: int | None = None) -> None:
        self._services = services
        concurrency = concurrency or services.settings.worker_concurrency
        self._stopping = threading.Event()
        self._slots = threading.Semaphore(concurrency)
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="flowservice-run")
        self._thread: threading.Thread | None = None
        self._running: dict[Claim, Future[None]] = {}
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="flowservice-claims", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; let running runs finish within ``timeout``, then hand the others back
        (their leases end at once, so another worker takes them over without waiting)."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        self._services.runs.created.set()
        if self._thread is not None:
            self._thread.join(timeout)
        running = dict(self._running)
        _done, unfinished = wait(running.values(), max(0.0, deadline - time.monotonic()))
        for held, future in running.items():
            if future in unfinished:
                try:
                    if release(self._services.db, held):
                        log.warning("run %s handed back unfinished", held.run_id)
                except Exception:
                    log.exception("handing back run %s failed (its lease will expire)", held.run_id)
        self._pool.shutdown(wait=not unfinished, cancel_futures=True)

    def _loop(self) -> None:
        settings = self._services.settings
        lease_ms = int(settings.run_lease_seconds * 1000)
        created = self._services.runs.created
        while not self._stopping.is_set():
            if not self._slots.acquire(timeout=settings.worker_poll_seconds):
                continue
            created.clear()  # a run made from here on wakes the wait below
            try:
                held = claim(self._services.db, self.worker_id, lease_ms)
            except Exception:
                log.exception("claiming a run failed")
                held = None
            if held is None:
                self._slots.release()
                created.wait(settings.worker_poll_seconds)
                continue
            future = self._pool.submit(self._execute, held, lease_ms)
            self._running[held] = future
            future.add_done_callback(partial(self._ended, held))

    def _ended(self, held: Claim, _future: Future[None]) -> None:
        self._running.pop(held, None)

    def _execute(self, held: Claim, lease_ms: int) -> None:
        done = threading.Event()
        beat = threading.Thread(target=self._beat, args=(held, lease_ms, done), daemon=True)
        beat.start()
        try:
            execute_run(self._services, held)
        except Exception:
            log.exception("run %s attempt %s failed", held.run_id, held.attempt)
        finally:
            done.set()
            beat.join()
            memory.release()
            self._slots.release()

    def _beat(self, held: Claim, lease_ms: int, done: threading.Event) -> None:
        while not done.wait(lease_ms / 3000):
            try:
                if not heartbeat(self._services.db, held, lease_ms):
                    log.warning("run %s: lease lost to another worker", held.run_id)
                    return
            except Exception:
                log.exception("heartbeat of run %s failed", held.run_id)
