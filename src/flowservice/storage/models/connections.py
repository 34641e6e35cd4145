"""Base connections."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flowservice.storage.models.base import Base

__all__ = ["Connection"]


class Connection(Base):
    """A base connection. Secret auth params live only in ``secrets_blob``, encrypted."""

    __tablename__ = "connections"
    __table_args__ = (
        Index("ix_connections_scope_created", "org_id", "sandbox_id", "created_at", "id"),
        Index("ix_connections_scope_updated", "org_id", "sandbox_id", "updated_at", "id"),
        Index("ix_connections_scope_name", "org_id", "sandbox_id", "name", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(128))
    sandbox_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    spec_id: Mapped[str] = mapped_column(String(36))
    spec_version: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    auth_spec_name: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    secrets_blob: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    secrets_key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    etag: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))
