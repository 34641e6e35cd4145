"""A deadline for all the source calls one API request makes.

Per-call timeouts and retries do not bound a request: a preview makes several S3 calls, each may
be retried, and a server that accepts connections but never answers costs a full read timeout per
attempt. A use case that talks to a source runs ``with deadline(seconds):``; the S3 transport then
caps each connect and read at the time left and starts no request once it has passed (see
:mod:`flowservice.s3.transport`). Without a deadline (ingestion runs), the per-call bounds alone
apply.

The deadline lives in a context variable, so it follows the request into the worker thread that
runs it and never leaks into another request.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["deadline", "remaining"]

_DEADLINE: ContextVar[float | None] = ContextVar("flowservice_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound the block's source calls to ``seconds`` from now (or an earlier enclosing deadline)."""
    at = time.monotonic() + seconds
    outer = _DEADLINE.get()
    token = _DEADLINE.set(at if outer is None else min(at, outer))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    """Seconds left before the current deadline (zero or less once passed); None without one."""
    at = _DEADLINE.get()
    return None if at is None else at - time.monotonic()
