"""Source connections, target connections and flows. The wire fields that are not filtered,
sorted or joined on live in ``document``, as sent (scheduleParams keep their strings)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flowservice.storage.models.base import Base
from flowservice.storage.models.scoped import Scoped

__all__ = ["Flow", "SourceConnection", "TargetConnection"]


class SourceConnection(Scoped, Base):
    __tablename__ = "source_connections"

    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    base_connection_id: Mapped[str] = mapped_column(String(36))
    spec_id: Mapped[str] = mapped_column(String(36))
    spec_version: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # data, params

    @classmethod
    def extra_args(cls) -> tuple[Index | UniqueConstraint, ...]:
        return (Index("ix_source_connections_base", "base_connection_id"),)


class TargetConnection(Scoped, Base):
    __tablename__ = "target_connections"

    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    dataset_id: Mapped[str] = mapped_column(String(64))
    spec_id: Mapped[str] = mapped_column(String(36))
    spec_version: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # data, params, baseConnectionId

    @classmethod
    def extra_args(cls) -> tuple[Index | UniqueConstraint, ...]:
        return (Index("ix_target_connections_dataset", "dataset_id"),)


class Flow(Scoped, Base):
    __tablename__ = "flows"

    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    flow_spec_id: Mapped[str] = mapped_column(String(36))
    flow_spec_version: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    source_connection_id: Mapped[str] = mapped_column(String(36))
    target_connection_id: Mapped[str] = mapped_column(String(36))
    # scheduleParams as sent, transformations, options, labels, policy, inheritedAttributes,
    # lastOperation, lastRunDetails.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The schedule with its types settled: startTime (epoch s), frequency, interval, backfill.
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    # When the scheduler should next create a run (epoch ms); None for a finished "once" flow.
    next_run_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    @classmethod
    def extra_args(cls) -> tuple[Index | UniqueConstraint, ...]:
        return (
            Index("ix_flows_scope_name", "org_id", "sandbox_id", "name", "id"),
            Index("ix_flows_source", "source_connection_id"),
            Index("ix_flows_target", "target_connection_id"),
            Index("ix_flows_due", "state", "next_run_at"),
        )
