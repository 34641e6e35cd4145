"""Loading (or first-time generating) the master key."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flowservice.errors import UserError
from flowservice.settings import Settings

__all__ = ["MasterKey", "load_master_key"]

BAD_MASTER_KEY = "0002-400"

KEY_BYTES = 32


@dataclass(frozen=True)
class MasterKey:
    key: bytes = field(repr=False)

    @property
    def id(self) -> str:
        return hashlib.sha256(self.key).hexdigest()[:16]


def load_master_key(settings: Settings) -> MasterKey:
    """The configured master key, else the key file, created with mode 0600 on first use."""
    if settings.master_key is not None:
        return MasterKey(_decode(settings.master_key.get_secret_value()))
    return MasterKey(_read_or_create(settings.key_file))


def _decode(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise UserError(
            BAD_MASTER_KEY,
            "FLOWSERVICE_MASTER_KEY must be 32 random bytes in base64, e.g. the output of "
            "`python -c 'import base64,secrets;"
            "print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())'`.",
        )
    return key


def _read_or_create(path: Path) -> bytes:
    if path.exists():
        return _decode(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()
    # O_EXCL: if two processes start together, one creates the file and the other reads it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode(path.read_text())
    with os.fdopen(fd, "w") as handle:
        handle.write(encoded + "\n")
    return _decode(encoded)
