"""``property`` filters on connection specs (a small, in-memory list)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flowservice.errors import UserError

__all__ = ["filter_specs"]

FIELDS = {"id": "id", "name": "name", "providerid": "providerId"}
FILTER = re.compile(r"^([A-Za-z]+)(==|!=)(.+)$")


def filter_specs(specs: list[dict[str, Any]], properties: Iterable[str]) -> list[dict[str, Any]]:
    for text in properties:
        specs = [s for s in specs if _matches(s, *_parse(text))]
    return specs


def _parse(text: str) -> tuple[str, bool, set[str]]:
    match = FILTER.match(text.strip())
    if match is None:
        raise UserError(
            "1450-400", f"Invalid operator in '{text}'; use == or != on connection specs."
        )
    name, operator, raw = match.groups()
    field = FIELDS.get(name.lower())
    if field is None:
        raise UserError(
            "1449-400", f"Invalid filter field '{name}'. Filterable: id, name, providerId."
        )
    values = {v.strip().lower() for v in raw.split(",")}
    if "" in values:
        raise UserError("1453-400", f"The filter on '{name}' has an empty value.")
    return field, operator == "==", values


def _matches(spec: dict[str, Any], field: str, equal: bool, values: set[str]) -> bool:
    return (str(spec.get(field, "")).lower() in values) == equal
