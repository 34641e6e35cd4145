"""Flow runs: the wire record (metrics, activities) and the state a worker needs to execute it.

``state`` is the wire's ``metrics.statusSummary.status``: scheduled → inProgress → success |
failed. ``attempt`` counts claims; a worker holds a run while ``lease_expires_at`` is ahead and
fences every write by ``attempt`` (the next issue's engine). ``seq`` numbers a flow's runs:
``UNIQUE(flow_id, seq)`` keeps racing schedulers from making one slot twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flowservice.storage.models.base import Base
from flowservice.storage.models.scoped import Scoped

__all__ = ["IngestedFile", "Run", "RunSelection"]


class Run(Scoped, Base):
    __tablename__ = "runs"

    flow_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | adhoc
    state: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    not_before: Mapped[int] = mapped_column(BigInteger)  # claimable from (epoch ms)
    window_start: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # None: all
    window_end: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    completed_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # flowSpec, metrics, activities

    @classmethod
    def extra_args(cls) -> tuple[Index | UniqueConstraint, ...]:
        return (
            Index("ix_runs_flow", "flow_id", "created_at"),
            Index("ix_runs_claim", "state", "not_before"),
            UniqueConstraint("flow_id", "seq"),
        )


class IngestedFile(Base):
    """A flow's ledger: each ``(path, etag)`` it has ingested, and by which run.

    Written after the run's Delta commit; on a retry after a crash between the commit and this
    write, the table's app transaction says the run is in, and the ledger is filled from the run's
    own file list (dataflows §13.4, the engine's exactly-once).
    """

    __tablename__ = "ingested_files"

    flow_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    path: Mapped[str] = mapped_column(String(1100), primary_key=True)
    etag: Mapped[str] = mapped_column(String(128), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36))
    size: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)
    ingested_at: Mapped[int] = mapped_column(BigInteger)


class RunSelection(Base):
    """The files a run took, saved before it reads any (dataflows §13.4).

    Apart from the run's row, so that reading a run (``GET /runs``, polled by clients and
    consoles) does not decode a list of up to 25,000 files. Written once: an attempt that finds
    one saved reads those files, whatever the listing says now.
    """

    __tablename__ = "run_selections"

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # files, empty, waiting
