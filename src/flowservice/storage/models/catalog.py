"""Catalog Service objects: datasets (each a Delta table in the lake) and their batches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flowservice.storage.models.base import Base
from flowservice.storage.models.scoped import Scoped

__all__ = ["Batch", "Dataset"]


class Dataset(Scoped, Base):
    """``id`` is 24 lowercase hex digits, as Catalog's are; ``document`` holds the accepted
    request fields (schemaRef, tags, fileDescription...) as sent."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The table's columns: inline on create, else fixed by the first run, then evolved.
    table_schema: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    version: Mapped[str] = mapped_column(String(32))
    last_batch_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    last_batch_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_successful_batch: Mapped[str | None] = mapped_column(String(26), nullable=True)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    storage_size: Mapped[int] = mapped_column(BigInteger, default=0)

    @classmethod
    def extra_args(cls) -> tuple[Index | UniqueConstraint, ...]:
        return (Index("ix_datasets_scope_name", "org_id", "sandbox_id", "name", "id"),)


class Batch(Scoped, Base):
    """``id`` is a 26-character ULID, as flow-created batches are."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(24))
    flow_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    completed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    version: Mapped[str] = mapped_column(String(32))

    @classmethod
    def extra_args(cls) -> tuple[Index | UniqueConstraint, ...]:
        return (Index("ix_batches_dataset", "dataset_id", "created_at"),)
