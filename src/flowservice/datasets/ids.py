"""Catalog's id shapes: 24 lowercase hex digits for datasets, ULIDs for flow-made batches."""

from __future__ import annotations

import re
import secrets
import time

__all__ = ["is_batch_id", "is_dataset_id", "new_batch_id", "new_dataset_id"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DATASET = re.compile(r"^[0-9a-f]{24}$")
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def new_dataset_id() -> str:
    return secrets.token_hex(12)


def new_batch_id(now_ms: int | None = None) -> str:
    """A ULID: 48 bits of epoch milliseconds then 80 random bits, in Crockford base32."""
    value = ((now_ms if now_ms is not None else time.time_ns() // 1_000_000) << 80) | (
        secrets.randbits(80)
    )
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def is_dataset_id(value: str) -> bool:
    return bool(_DATASET.match(value))


def is_batch_id(value: str) -> bool:
    return bool(_ULID.match(value))
