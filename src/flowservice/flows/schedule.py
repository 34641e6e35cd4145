"""A flow's ``scheduleParams`` (dataflows §6.1, §7.1): checked in the contract's order, with its
codes, and the times of its slots.

Params are echoed as sent (strings stay strings); the checked values are kept beside them with
their types settled. Unknown keys (aepp's ``foldernameTemplate``...) are accepted and stored.
Frequencies are matched case-insensitively. Minimum intervals: minute 15, hour/day/week 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowservice import codes
from flowservice.errors import UserError
from flowservice.flows.values import as_bool, as_int

__all__ = ["GRACE_SECONDS", "Schedule", "check_change", "check_schedule"]

FREQUENCIES = ("once", "minute", "hour", "day", "week")
MINIMUM_INTERVAL = {"minute": 15, "hour": 1, "day": 1, "week": 1}
SECONDS = {"minute": 60, "hour": 3600, "day": 86_400, "week": 604_800}
# Clients compute "now" and then send it: a start time this far in the past is still "now".
GRACE_SECONDS = 300


@dataclass(frozen=True)
class Schedule:
    start_time: int  # epoch seconds
    frequency: str
    interval: int | None
    backfill: bool

    def to_document(self) -> dict[str, Any]:
        return {"startTime": self.start_time, "frequency": self.frequency,
                "interval": self.interval, "backfill": self.backfill}  # fmt: skip

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Schedule:
        return cls(document["startTime"], document["frequency"], document["interval"],
                   document["backfill"])  # fmt: skip

    @property
    def period_seconds(self) -> int | None:
        if self.frequency == "once" or self.interval is None:
            return None
        return SECONDS[self.frequency] * self.interval

    def slot_at_or_after(self, epoch_seconds: int) -> int | None:
        """The first slot (epoch s) not before ``epoch_seconds``; None once a "once" has passed."""
        if epoch_seconds <= self.start_time:
            return self.start_time
        period = self.period_seconds
        if period is None:
            return None
        steps = -(-(epoch_seconds - self.start_time) // period)
        return self.start_time + steps * period

    def slot_at_or_before(self, epoch_seconds: int) -> int | None:
        """The last slot (epoch s) not after ``epoch_seconds``; None before the start time."""
        if epoch_seconds < self.start_time:
            return None
        period = self.period_seconds
        if period is None:
            return self.start_time
        return self.start_time + (epoch_seconds - self.start_time) // period * period

    def slot_after(self, epoch_seconds: int) -> int | None:
        """The first slot (epoch s) after ``epoch_seconds``; None when a "once" has had it."""
        return self.slot_at_or_after(epoch_seconds + 1)


def _missing(name: str) -> UserError:
    return UserError(codes.MISSING_PARAM, f"The param {name} is missing in the request.")


def check_schedule(params: Any, *, now_seconds: int, on_create: bool) -> Schedule:
    """The §6.1 schedule rules; ``on_create`` adds "the start time cannot be in the past"."""
    if not isinstance(params, dict) or not params:
        raise UserError(
            codes.EMPTY_SCHEDULE,
            "The provided schedule params are empty. Give startTime, frequency and (unless "
            "frequency is once) interval.",
        )
    if params.get("startTime") in (None, ""):
        raise _missing("startTime")
    start = as_int(params["startTime"], "startTime")
    if on_create and start < now_seconds - GRACE_SECONDS:
        raise UserError(codes.START_TIME_PAST, "The start time cannot be set in the past.")
    frequency = _frequency(params.get("frequency"))
    if frequency == "once":
        return _once(params, start)
    if params.get("interval") in (None, ""):
        raise _missing("interval")
    interval = as_int(params["interval"], "interval")
    if interval < MINIMUM_INTERVAL[frequency]:
        raise UserError(
            codes.INTERVAL_TOO_SMALL,
            f"Interval cannot be less than {MINIMUM_INTERVAL[frequency]} ({frequency}).",
        )
    backfill = as_bool(params["backfill"], "backfill") if "backfill" in params else True
    return Schedule(start, frequency, interval, backfill)


def _frequency(value: Any) -> str:
    if value in (None, ""):
        raise _missing("frequency")
    folded = value.lower() if isinstance(value, str) else value
    if folded not in FREQUENCIES:
        raise UserError(
            codes.INVALID_FREQUENCY, f"The provided frequency : {str(value)[:40]} is invalid."
        )
    return str(folded)


def _once(params: dict[str, Any], start: int) -> Schedule:
    if params.get("interval") not in (None,):
        raise UserError(
            codes.ONCE_WITH_INTERVAL, "The interval is not allowed when frequency is once."
        )
    if "backfill" in params:
        raise UserError(
            codes.ONCE_WITH_BACKFILL, "The backfill is not allowed when frequency is once."
        )
    return Schedule(start, "once", None, True)


def check_change(before: Schedule, after: Schedule, now_seconds: int) -> None:
    """The rules for changing a schedule once its first start has passed (§6.4)."""
    if now_seconds < before.start_time:
        return
    if after.start_time != before.start_time:
        raise UserError(
            codes.START_TIME_PASSED,
            "The start time has passed and the update operation is no longer allowed.",
        )
    if after.frequency == "once" and before.frequency != "once":
        raise UserError(
            codes.ONCE_AFTER_START,
            "The start time has passed and you can no longer change the frequency to once.",
        )
    if after.backfill != before.backfill:
        raise UserError(
            codes.BACKFILL_AFTER_START,
            "The start time has passed and you can no longer update backfill.",
        )
