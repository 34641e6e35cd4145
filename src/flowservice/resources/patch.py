"""JSON Patch (RFC 6902) as every Flow Service resource takes it.

The body is an array of operations or a single operation object; ops are ``add``, ``replace`` and
``remove`` in any case (others: ``1434-400``); all ops apply or none does (``1455-400``). Each
resource says which paths may be patched (:class:`PathRules`) and re-validates the result itself.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

import jsonpatch
import jsonpointer

from flowservice import codes
from flowservice.errors import UserError

__all__ = ["PathRules", "apply_patch", "invalid"]

OPS = ("add", "replace", "remove")


class PathRules(Protocol):
    def check(self, path: str) -> None:
        """Raise a UserError for a path the resource does not let clients patch."""
        ...

    def replace_adds(self, path: str, view: dict[str, Any]) -> bool:
        """Whether ``replace`` at ``path`` acts as ``add`` (a defined but unset field)."""
        ...


def invalid(message: str) -> UserError:
    return UserError(codes.INVALID_PATCH, message)


def apply_patch(view: dict[str, Any], body: Any, rules: PathRules) -> dict[str, Any]:
    """``view`` after the patch ``body``; ``view`` itself is left unchanged."""
    ops = [_normalize(op, view, rules) for op in _as_list(body)]
    try:
        result: dict[str, Any] = jsonpatch.JsonPatch(ops).apply(copy.deepcopy(view))
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise invalid(f"The patch cannot be applied: {_safe(exc)}.") from None
    return result


def _as_list(body: Any) -> list[Any]:
    ops = [body] if isinstance(body, dict) else body
    if not isinstance(ops, list) or not ops:
        raise invalid("The body must be a JSON Patch: a non-empty array of operations.")
    return ops


def _normalize(op: Any, view: dict[str, Any], rules: PathRules) -> dict[str, Any]:
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        raise invalid("Each patch operation must be an object with 'op' and 'path'.")
    name = op["op"].lower()
    if name not in OPS:
        raise UserError(
            codes.UNSUPPORTED_PATCH_OP,
            f"Unsupported patch operation '{op['op']}'; use add, replace or remove.",
        )
    path = op.get("path")
    if not isinstance(path, str):
        raise invalid("Each patch operation needs a string 'path'.")
    rules.check(path)
    if name != "remove" and "value" not in op:
        raise invalid(f"The '{name}' operation on {path} needs a 'value'.")
    if name == "replace" and rules.replace_adds(path, view):
        name = "add"
    return {"op": name, "path": path, **({"value": op["value"]} if name != "remove" else {})}


def _safe(exc: Exception) -> str:
    # jsonpatch messages name paths, not values; keep only the first line to be safe.
    return str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
