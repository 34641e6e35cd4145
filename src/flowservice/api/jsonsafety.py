"""Limits on what a JSON request body may hold, checked once before any use of it.

Deep nesting makes recursive code (jsonschema's messages, jsonpatch's deepcopy) overflow the
stack, and PostgreSQL text cannot hold a NUL character; both are refused as bad input.
"""

from __future__ import annotations

from typing import Any

from flowservice import codes
from flowservice.errors import UserError

__all__ = ["MAX_DEPTH", "check_json"]

MAX_DEPTH = 32
CODE = codes.BODY_SHAPE


def check_json(value: Any) -> None:
    """Raise a UserError for nesting deeper than MAX_DEPTH or a NUL in any string."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise UserError(CODE, f"The request body is nested deeper than {MAX_DEPTH} levels.")
            children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise UserError(
            CODE, "The request body holds a NUL character (\\u0000), which is not allowed."
        )
