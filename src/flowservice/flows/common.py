"""What source connections, target connections and flows check and record alike."""

from __future__ import annotations

from typing import Any

from flowservice import codes
from flowservice.errors import UserError
from flowservice.resources.patch import invalid

__all__ = ["PathsUnder", "checked_description", "checked_name", "last_operation", "refuse_if_used"]

MAX_NAME, MAX_DESCRIPTION = 512, 4096


def checked_name(value: Any, resource: str, *, patch: bool = False) -> str:
    """A name: required on create (``1304-400``), a non-empty string of at most 512 characters."""
    if value is None and not patch:
        raise UserError(
            codes.MISSING_FIELD, f"The mandatory field name is not provided in the {resource}."
        )
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        message = f"The name must be a non-empty string of at most {MAX_NAME} characters."
        raise UserError(codes.INVALID_PATCH if patch else codes.BODY_SHAPE, message)
    return value


def checked_description(value: Any, *, patch: bool = False) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > MAX_DESCRIPTION):
        message = f"The description must be a string of at most {MAX_DESCRIPTION} characters."
        raise UserError(codes.INVALID_PATCH if patch else codes.BODY_SHAPE, message)
    return value


def last_operation(operation: str, started: int, updated: int, **extra: Any) -> dict[str, Any]:
    """The ``lastOperation`` a resource shows: create, update, enable or disable."""
    return {"started": started, "updated": updated, "operation": operation, **extra}


def refuse_if_used(flows: list[str], resource_id: str) -> None:
    if flows:
        raise UserError(
            codes.IN_USE_BY_FLOW,
            f"Found active flows containing id {resource_id}: {', '.join(flows)}.",
        )


class PathsUnder:
    """PATCH rules of a connection: some top-level fields and anything below them."""

    def __init__(self, resource: str, tops: tuple[str, ...]) -> None:
        self.resource = resource
        self.tops = tops

    def check(self, path: str) -> None:
        if path.lower().startswith("/connectionspec"):
            raise UserError(
                codes.SPEC_CHANGE, f"A {self.resource}'s connection spec cannot be changed."
            )
        if path in self.tops or path.startswith(tuple(t + "/" for t in self.tops)):
            return
        raise invalid(
            f"The path '{path}' cannot be patched; use {', '.join(self.tops)} (and below)."
        )

    def replace_adds(self, path: str, view: dict[str, Any]) -> bool:
        return False
