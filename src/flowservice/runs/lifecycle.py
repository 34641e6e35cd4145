"""A run's states and the moves between them (dataflows §7.5).

::

    scheduled ──claim──▶ inProgress ──finish──▶ success
        ▲                    │      └──fail───▶ failed
        └──── lease lost ────┘  (retried with backoff, a bounded number of attempts)

``scheduled`` and ``inProgress`` are *active*: a flow has at most one active run. A claim bumps
``attempt``; every later write of the run is fenced by that number, so a worker whose lease was
taken over cannot overwrite its successor. Deleting the flow fails its active run.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["ACTIVE", "FINAL", "State", "can_move"]

State = Literal["scheduled", "inProgress", "success", "failed"]
ACTIVE: frozenset[str] = frozenset({"scheduled", "inProgress"})
FINAL: frozenset[str] = frozenset({"success", "failed"})
_MOVES: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"inProgress", "failed"}),
    "inProgress": frozenset({"success", "failed", "scheduled"}),
    "success": frozenset(),
    "failed": frozenset(),
}


def can_move(current: str, target: str) -> bool:
    return target in _MOVES.get(current, frozenset())
