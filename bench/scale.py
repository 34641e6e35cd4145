"""Scale-out benchmark, part (a): dispatch of 10,000 flows due in the same minute on PostgreSQL.

The flows are stored directly (their resources are not what is measured); one scheduler tick
makes their runs, then worker processes claim and finish them with no work in between (no-op
runs) through ``flowservice.runs.queue``, the code ``flowservice worker`` uses. The baseline,
in the same run on a copy of the same runs: the same number of processes claiming with the
smallest store-backed queue there is, one hand-written ``UPDATE … WHERE id = (SELECT … FOR
UPDATE SKIP LOCKED LIMIT 1)`` per claim over psycopg (engine notes §3.3). The script prints
both sides, the ratio, and checks that no run was claimed twice.

    FLOWSERVICE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/scale.py [--flows 10000] [--workers 2]

Parts (b) and (c) (a 4 GiB run on the local and the Dask executor, API latency meanwhile) come
with the Dask executor.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import postgres_database
from flowservice.clock import now_ms
from flowservice.flows.schedule import Schedule
from flowservice.flows.tables import FLOWS
from flowservice.runs import queue
from flowservice.scheduling.scheduler import tick
from flowservice.storage.db import Database
from flowservice.storage.migrate import upgrade

LEASE_MS = 600_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--postgres", metavar="URL", default=os.environ.get("FLOWSERVICE_TEST_DATABASE_URL")
    )
    args = parser.parse_args(argv)
    if not args.postgres:
        parser.error("give --postgres URL or set FLOWSERVICE_TEST_DATABASE_URL")
    return args


def store_flows(db: Database, count: int, due: int) -> None:
    """``count`` enabled flows whose first slot is ``due`` (epoch ms), hourly after."""
    schedule = Schedule(due // 1000, "hour", 1, True).to_document()
    rows = [
        {
            "id": str(uuid.uuid4()),
            "org_id": "BENCH@AdobeOrg",
            "sandbox_id": "sandbox",
            "etag": str(uuid.uuid4()),
            "created_at": due,
            "updated_at": due,
            "created_by": "bench",
            "updated_by": "bench",
            "name": f"flow {n}",
            "description": None,
            "flow_spec_id": "9753525b-82c7-4dce-8a9b-5ccfce2b9876",
            "flow_spec_version": "1.0",
            "state": "enabled",
            "source_connection_id": str(uuid.uuid4()),
            "target_connection_id": str(uuid.uuid4()),
            "document": {},
            "schedule": schedule,
            "next_run_at": due,
        }
        for n in range(count)
    ]
    with db.write() as session:
        session.execute(FLOWS.table.insert(), rows)


def ours(url: str, name: str, results: Any) -> None:
    """A worker process: claim and finish through flowservice.runs.queue until none is due."""
    db = Database(url, pool_size=2)
    claimed = []
    while (held := queue.claim(db, name, LEASE_MS)) is not None:
        queue.finish(db, held, {"state": "success"})
        claimed.append(held.run_id)
    db.dispose()
    results.put(claimed)


BASELINE_CLAIM = """
UPDATE baseline SET state = 'inProgress', attempt = attempt + 1
WHERE id = (SELECT id FROM baseline WHERE state = 'scheduled' AND not_before <= %s
            ORDER BY not_before, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id
"""


def baseline(url: str, _name: str, results: Any) -> None:
    """A worker process of the smallest store-backed queue: one UPDATE per claim, one per end."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    claimed = []
    with psycopg.connect(conninfo, autocommit=True) as connection:
        while True:
            row = connection.execute(BASELINE_CLAIM, (now_ms(),)).fetchone()
            if row is None:
                break
            connection.execute("UPDATE baseline SET state = 'success' WHERE id = %s", row)
            claimed.append(row[0])
    results.put(claimed)


def dispatch(target: Any, url: str, workers: int) -> tuple[float, list[str]]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(url, f"bench-{i}", results)) for i in range(workers)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    claimed: list[str] = []
    for _ in processes:
        claimed.extend(results.get(timeout=1800))
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join(60)
    return elapsed, claimed


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with contextlib.ExitStack() as stack:
        url = postgres_database(args.postgres, stack)
        db = Database(url, pool_size=4)
        upgrade(db)
        due = now_ms() - 1000
        store_flows(db, args.flows, due)
        started = time.perf_counter()
        made = tick(db, now_ms())
        planning = time.perf_counter() - started
        print(f"scheduler: one tick made {made.made} runs for {args.flows} due flows "
              f"in {planning:.1f} s ({made.made / planning:,.0f} runs/s)")  # fmt: skip
        with db.engine.begin() as connection:  # the same runs, for the baseline's queue
            connection.execute(text("CREATE TABLE baseline AS SELECT * FROM runs"))
            connection.execute(text("ALTER TABLE baseline ADD PRIMARY KEY (id)"))
            connection.execute(text("CREATE INDEX ix_baseline ON baseline (state, not_before)"))
        db.dispose()
        rows = []
        for label, target in (("baseline: one SKIP LOCKED UPDATE", baseline),
                              ("flowservice.runs.queue", ours)):  # fmt: skip
            elapsed, claimed = dispatch(target, url, args.workers)
            twice = len(claimed) - len(set(claimed))
            rows.append((label, len(claimed), elapsed, twice))
            print(f"{label}: {len(claimed)} runs claimed and finished by {args.workers} "
                  f"processes in {elapsed:.1f} s ({len(claimed) / elapsed:,.0f}/s), "
                  f"{twice} claimed twice")  # fmt: skip
        (_, base_n, base_s, _), (_, our_n, our_s, our_twice) = rows
        print(
            f"ratio (ours / baseline, claims per second): {(our_n / our_s) / (base_n / base_s):.2f}"
        )
        met = our_n == args.flows and our_s <= 60 and not our_twice
        print(f"aim: all {args.flows} claimed within 60 s: {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
