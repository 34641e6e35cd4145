"""The run state machine the engine drives (dataflows §7.5)."""

from __future__ import annotations

import pytest

from flowservice.runs.lifecycle import ACTIVE, FINAL, can_move


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("scheduled", "inProgress", True),
        ("scheduled", "failed", True),  # the flow was deleted before it started
        ("inProgress", "success", True),
        ("inProgress", "failed", True),
        ("inProgress", "scheduled", True),  # lease lost: handed back for a retry
        ("scheduled", "success", False),
        ("success", "inProgress", False),
        ("failed", "scheduled", False),
        ("unknown", "failed", False),
    ],
)
def test_moves(current: str, target: str, allowed: bool) -> None:
    assert can_move(current, target) is allowed


def test_active_and_final_states_split_the_four() -> None:
    assert {"scheduled", "inProgress", "success", "failed"} == ACTIVE | FINAL
    assert not ACTIVE & FINAL
