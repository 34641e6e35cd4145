"""Reading loosely typed request values the way the contract's clients send them.

Docs send numbers as strings (``"startTime": "1597784298"``, ``"interval": "30"``) and booleans
as strings (``"recursive": "true"``); both forms are accepted everywhere (contract §0).
"""

from __future__ import annotations

import math
from typing import Any

from flowservice import codes
from flowservice.errors import UserError

__all__ = ["as_bool", "as_int", "as_number", "as_text", "invalid_property", "require_object"]

INT64_MAX = 2**63 - 1


def invalid_property(name: str, value: Any) -> UserError:
    shown = str(value)[:80]
    return UserError(
        codes.INVALID_PROPERTY,
        f"The provided param value {shown} is not a valid input for property={name}.",
    )


def as_int(value: Any, name: str) -> int:
    """An integer, or a string of digits; a 1312-400 naming ``name`` otherwise."""
    if isinstance(value, bool):
        raise invalid_property(name, value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 20:
        number = int(value.strip())
    else:
        raise invalid_property(name, value)
    if abs(number) > INT64_MAX:
        raise invalid_property(name, value)
    return number


def as_number(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise invalid_property(name, value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and len(value) < 40:
        try:
            number = float(value)
        except ValueError:
            raise invalid_property(name, value) from None
    else:
        raise invalid_property(name, value)
    if not math.isfinite(number):
        raise invalid_property(name, value)
    return number


def as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid_property(name, value)


def as_text(value: Any, name: str, *, limit: int = 4096) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise invalid_property(name, value)
    return value


def require_object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UserError(codes.BODY_SHAPE, f"The field '{name}' must be an object.")
    return value
