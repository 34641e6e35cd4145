"""Sealing and opening secret records with AES-256-GCM data keys."""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from flowservice.errors import InternalError
from flowservice.storage.models import VaultKey
from flowservice.vault.master import KEY_BYTES, MasterKey

__all__ = ["Vault"]

NONCE_BYTES = 12


class Vault:
    """Seals dicts of secrets for one record; the record id is bound in as associated data."""

    def __init__(self, master: MasterKey) -> None:
        self._master = AESGCM(master.key)
        self._master_id = master.id
        self._keys: dict[str, AESGCM] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Vault(master_key_id={self._master_id!r})"

    def seal(self, session: Session, record_id: str, values: dict[str, Any]) -> tuple[bytes, str]:
        """Encrypt ``values``; returns ``(blob, key_id)`` to store beside the record."""
        key_id = self.active_key_id(session)
        nonce = secrets.token_bytes(NONCE_BYTES)
        plaintext = json.dumps(values, separators=(",", ":")).encode()
        sealed = self._key(session, key_id).encrypt(nonce, plaintext, _aad(record_id, key_id))
        return nonce + sealed, key_id

    def open(self, session: Session, record_id: str, blob: bytes, key_id: str) -> dict[str, Any]:
        try:
            plaintext = self._key(session, key_id).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(record_id, key_id)
            )
        except InvalidTag:
            raise InternalError("A stored secret failed its integrity check.") from None
        values: dict[str, Any] = json.loads(plaintext)
        return values

    def active_key_id(self, session: Session) -> str:
        row = session.scalars(
            select(VaultKey.id).where(VaultKey.active).order_by(VaultKey.created_at.desc())
        ).first()
        return row if row is not None else self.add_key(session)

    def add_key(self, session: Session) -> str:
        """Create a data key, make it the only active one and return its id."""
        key_id = secrets.token_hex(8)
        raw = secrets.token_bytes(KEY_BYTES)
        nonce = secrets.token_bytes(NONCE_BYTES)
        wrapped = nonce + self._master.encrypt(nonce, raw, key_id.encode())
        session.execute(update(VaultKey).values(active=False))
        session.add(
            VaultKey(
                id=key_id,
                wrapped_key=wrapped,
                master_key_id=self._master_id,
                created_at=int(time.time() * 1000),
                active=True,
            )
        )
        session.flush()
        with self._lock:
            self._keys[key_id] = AESGCM(raw)
        return key_id

    def _key(self, session: Session, key_id: str) -> AESGCM:
        with self._lock:
            cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        row = session.get(VaultKey, key_id)
        if row is None:
            raise InternalError(f"Data key {key_id} is missing from the store.")
        return self._unwrap(row)

    def _unwrap(self, row: VaultKey) -> AESGCM:
        try:
            raw = self._master.decrypt(
                row.wrapped_key[:NONCE_BYTES], row.wrapped_key[NONCE_BYTES:], row.id.encode()
            )
        except InvalidTag:
            raise InternalError(
                f"Data key {row.id} was wrapped by master key {row.master_key_id}, "
                "not the configured one. Check FLOWSERVICE_MASTER_KEY / the key file."
            ) from None
        key = AESGCM(raw)
        with self._lock:
            self._keys[row.id] = key
        return key


def _aad(record_id: str, key_id: str) -> bytes:
    return f"{record_id}|{key_id}".encode()
