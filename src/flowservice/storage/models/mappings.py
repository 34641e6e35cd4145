"""Data Prep mapping sets. Every change makes a new version; all versions stay readable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from flowservice.storage.models.base import Base
from flowservice.storage.models.scoped import Scoped

__all__ = ["MappingSet", "MappingSetVersion"]


class MappingSet(Scoped, Base):
    """``id`` is 32 lowercase hex digits (a UUID without dashes), as Data Prep's are."""

    __tablename__ = "mapping_sets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the current version's body


class MappingSetVersion(Base):
    __tablename__ = "mapping_set_versions"

    mapping_set_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(BigInteger)
