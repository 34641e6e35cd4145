"""``flowservice worker``: the executor (and the scheduler) in a process of its own."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from rich.console import Console

from flowservice.ingestion.executor import LocalExecutor
from flowservice.scheduling.scheduler import Scheduler
from flowservice.services import Services

__all__ = ["run"]


def run(services: Services, console: Console) -> None:
    """Claim and execute runs until SIGTERM or SIGINT, then stop as ``LocalExecutor.stop`` does."""
    settings = services.settings
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("flowservice").setLevel(settings.log_level.upper())
    stopping = threading.Event()

    def stop(_signal: int, _frame: Any) -> None:
        stopping.set()

    for each in (signal.SIGTERM, signal.SIGINT):
        signal.signal(each, stop)
    executor = LocalExecutor(services)
    scheduler = (
        Scheduler(services.db, settings.scheduler_poll_seconds, services.runs.created.set)
        if settings.scheduler
        else None
    )
    executor.start()
    if scheduler is not None:
        scheduler.start()
    console.print(
        f"Worker {executor.worker_id}: {settings.worker_concurrency} run(s) at once"
        f"{', scheduling' if scheduler is not None else ''}; SIGTERM stops it."
    )
    stopping.wait()
    console.print("Stopping: no new runs; waiting for the running ones to finish.")
    if scheduler is not None:
        scheduler.stop()
    executor.stop(settings.worker_shutdown_seconds)
    console.print("Stopped.")
