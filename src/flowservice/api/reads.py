"""Short store reads from async handlers: where they run.

On SQLite a read by key or one keyset page is a few microseconds of local file access, and a
trip to a worker thread costs far more than the read (docs/benchmarks.md: GET
/connections/{id} went from ~1,400 to ~2,400 req/s without it), so it runs right here on the
event loop. On PostgreSQL a read is a network round trip, which must not hold up the loop: it
goes to a worker thread. Long work (document-filtered scans, anything that calls a source)
always goes to a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from flowservice.resources.listing import ListQuery
from flowservice.services import Services

__all__ = ["list_read", "short_read"]

P = ParamSpec("P")
T = TypeVar("T")


async def short_read(
    services: Services, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """``call(*args, **kwargs)``: inline when the store is local, else in a worker thread."""
    if services.db.local:
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)


async def list_read(
    services: Services, query: ListQuery, call: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """A list or count: short unless it filters on document paths, which scans rows in chunks."""
    if query.document_filters:
        return await run_in_threadpool(call, *args, **kwargs)
    return await short_read(services, call, *args, **kwargs)
