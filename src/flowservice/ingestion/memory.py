"""Give the memory a run used back to the system once it ends.

A run's buffers are freed when it ends, but the allocators keep the pages for reuse: Arrow's pool
(mimalloc or jemalloc) and glibc's malloc arenas (Python's bytes, the readers' blocks). In a
long-running service that holds each run's peak forever, and the process's resident size grows
with the largest run seen so far rather than with what it is doing now.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache

__all__ = ["release"]

log = logging.getLogger("flowservice.ingestion")


def release() -> None:
    """Return freed pages to the system (best effort: nothing fails a run here)."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # an allocator without the call
        log.debug("Arrow's pool kept its unused memory", exc_info=True)
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> ctypes._NamedFuncPointer | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function
