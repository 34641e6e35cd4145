"""The columns every tenant-scoped Flow Service resource has, and its list indexes."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

__all__ = ["Scoped"]


class Scoped:
    """id, org and sandbox, etag, and who made and changed it when (epoch ms)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(128))
    sandbox_id: Mapped[str] = mapped_column(String(36))
    etag: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Index | UniqueConstraint, ...]:
        name = cls.__tablename__  # type: ignore[attr-defined]
        return (
            Index(f"ix_{name}_scope_created", "org_id", "sandbox_id", "created_at", "id"),
            Index(f"ix_{name}_scope_updated", "org_id", "sandbox_id", "updated_at", "id"),
            *cls.extra_args(),
        )

    @classmethod
    def extra_args(cls) -> tuple[Index | UniqueConstraint, ...]:
        """The table's own indexes and constraints."""
        return ()
