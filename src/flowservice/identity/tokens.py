"""Access tokens are random, shown once, and stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["hash_token", "new_api_key", "new_client_secret", "new_token"]

TOKEN_PREFIX = "fst_"  # noqa: S105 - a prefix, not a password


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_client_secret() -> str:
    """The client-credentials secret of an API client (shown once, stored as a hash)."""
    return "fss_" + secrets.token_urlsafe(32)


def new_api_key() -> str:
    return "fs-" + secrets.token_hex(16)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast unsalted hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
