"""Secret params of any resource: sealed by the vault into the record's own columns.

A record that holds secrets has ``secrets_blob`` (AES-GCM, the record id bound in) and
``secrets_key_id`` columns; its public params hold :data:`MASK` in place of each secret, which is
also what reads return. A PATCH that sends the mask back keeps the stored value. Key rotation
re-seals every record of every table registered here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Row, Table, select, update

from flowservice.storage.db import Database
from flowservice.vault import Vault

__all__ = ["MASK", "SecretParams", "masked"]

# What a read returns in place of every secret (documented in docs/api.md).
MASK = "********"


def masked(params: Mapping[str, Any], secret_names: frozenset[str]) -> dict[str, Any]:
    return {k: MASK if k in secret_names else v for k, v in params.items()}


class SecretParams:
    """Seal, open and merge one record's secrets; each call is its own short transaction."""

    def __init__(self, db: Database, vault: Vault, tables: Iterable[Table]) -> None:
        self._db = db
        self._vault = vault
        self._tables = tuple(tables)

    def seal(self, record_id: str, secrets: Mapping[str, Any]) -> dict[str, Any]:
        """The column values holding ``secrets`` (both None when there are none)."""
        if not secrets:
            return {"secrets_blob": None, "secrets_key_id": None}
        with self._db.write() as session:
            blob, key_id = self._vault.seal(session, record_id, dict(secrets))
        return {"secrets_blob": blob, "secrets_key_id": key_id}

    def open(self, row: Row[Any]) -> dict[str, Any]:
        """The row's secrets in plaintext (the row must be read with its hidden columns)."""
        if row.secrets_blob is None:
            return {}
        with self._db.session() as session:
            return self._vault.open(session, row.id, row.secrets_blob, row.secrets_key_id)

    def merge(
        self, row: Row[Any], params: Mapping[str, Any], new: Mapping[str, str]
    ) -> dict[str, Any]:
        """The secrets after a patch: new values, else the stored ones still shown masked."""
        kept = [k for k, v in params.items() if v == MASK and k not in new]
        stored = self.open(row) if kept else {}
        return {**{k: stored[k] for k in kept if k in stored}, **new}

    def rotate(self) -> tuple[str, int]:
        """Add a data key and re-seal every record of every registered table with it."""
        resealed = 0
        with self._db.write() as session:
            key_id = self._vault.add_key(session)
            for table in self._tables:
                resealed += self._reseal(session, table)
        return key_id, resealed

    def _reseal(self, session: Any, table: Table) -> int:
        rows = session.execute(
            select(table.c.id, table.c.secrets_blob, table.c.secrets_key_id).where(
                table.c.secrets_blob.is_not(None)
            )
        ).all()
        for record_id, blob, key_id in rows:
            values = self._vault.open(session, record_id, blob, key_id)
            new_blob, new_key = self._vault.seal(session, record_id, values)
            session.execute(
                update(table)
                .where(table.c.id == record_id)
                .values(secrets_blob=new_blob, secrets_key_id=new_key)
            )
        return len(rows)
