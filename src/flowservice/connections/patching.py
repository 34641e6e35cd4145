"""The contract's JSON Patch rules for connections (§4 PATCH), on top of RFC 6902 (jsonpatch).

The patch is applied to a view of the connection in which secrets hold ``MASK``. After applying,
a secret still equal to ``MASK`` keeps its stored value; any other value is a new secret.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import jsonpatch
import jsonpointer

from flowservice.catalog import AuthSpec, validate_params
from flowservice.connections.wire import MASK
from flowservice.errors import UserError

__all__ = ["Patched", "apply_patch"]

INVALID = "1455-400"
OPS = ("add", "replace", "remove")
FIXED_PATHS = ("/name", "/description", "/state", "/auth/params")


@dataclass(frozen=True)
class Patched:
    name: str
    description: str | None
    state: str
    params: dict[str, Any]  # non-secret params, plus MASK for every secret that is set
    new_secrets: dict[str, str]  # secrets given a new value by this patch

    def __repr__(self) -> str:  # never show secret values
        return (
            f"Patched(name={self.name!r}, state={self.state!r}, secrets={sorted(self.new_secrets)})"
        )


def apply_patch(view: dict[str, Any], body: Any, auth: AuthSpec) -> Patched:
    """Apply ``body`` (a list of ops or one op) to ``view``; all ops apply or none does."""
    ops = [_normalize(op, view, auth) for op in _as_list(body)]
    try:
        result = jsonpatch.JsonPatch(ops).apply(copy.deepcopy(view))
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        raise UserError(INVALID, f"The patch cannot be applied: {_safe(exc)}.") from None
    return _check(result, view, auth)


def _as_list(body: Any) -> list[Any]:
    ops = [body] if isinstance(body, dict) else body
    if not isinstance(ops, list) or not ops:
        raise UserError(INVALID, "The body must be a JSON Patch: a non-empty array of operations.")
    return ops


def _normalize(op: Any, view: dict[str, Any], auth: AuthSpec) -> dict[str, Any]:
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        raise UserError(INVALID, "Each patch operation must be an object with 'op' and 'path'.")
    name = op["op"].lower()
    if name not in OPS:
        raise UserError(
            "1434-400", f"Unsupported patch operation '{op['op']}'; use add, replace or remove."
        )
    path = op.get("path")
    if not isinstance(path, str):
        raise UserError(INVALID, "Each patch operation needs a string 'path'.")
    _check_path(path)
    if name != "remove" and "value" not in op:
        raise UserError(INVALID, f"The '{name}' operation on {path} needs a 'value'.")
    if name == "replace" and _adds_param(path, view, auth):
        name = "add"  # Decision (contract §4): replace of a defined but unset param acts as add.
    return {"op": name, "path": path, **({"value": op["value"]} if name != "remove" else {})}


def _check_path(path: str) -> None:
    if path.lower().startswith("/connectionspec"):
        raise UserError("1414-400", "The connection spec of a connection cannot be changed.")
    if path in FIXED_PATHS:
        return
    param = path.removeprefix("/auth/params/")
    if param == path or not param or "/" in param:
        raise UserError(
            INVALID,
            f"The path '{path}' cannot be patched; use /name, /description, /state, "
            "/auth/params or /auth/params/<param>.",
        )


def _adds_param(path: str, view: dict[str, Any], auth: AuthSpec) -> bool:
    param = path.removeprefix("/auth/params/")
    return param != path and param in auth.known_params and param not in view["auth"]["params"]


def _check(result: dict[str, Any], before: dict[str, Any], auth: AuthSpec) -> Patched:
    name, description, state = result.get("name"), result.get("description"), result.get("state")
    if not isinstance(name, str) or not name.strip() or len(name) > 512:
        raise UserError(INVALID, "The name must be a non-empty string of at most 512 characters.")
    if description is not None and not isinstance(description, str):
        raise UserError(INVALID, "The description must be a string.")
    if not isinstance(state, str) or state.lower() not in ("enabled", "disabled"):
        raise UserError(INVALID, "The state must be enabled or disabled.")
    params = result.get("auth", {}).get("params")
    if not isinstance(params, dict):
        raise UserError(INVALID, "The auth params must be an object.")
    new_secrets = _split_secrets(params, before["auth"]["params"], auth)
    validate_params(auth, {**params, **new_secrets}, code=INVALID)
    return Patched(name, description, state.lower(), params, new_secrets)


def _split_secrets(
    params: dict[str, Any], before: dict[str, Any], auth: AuthSpec
) -> dict[str, str]:
    """Take new secret values out of ``params``, leaving ``MASK`` in their place."""
    new: dict[str, str] = {}
    for key in auth.secret_params & params.keys():
        value = params[key]
        if value == MASK:
            if key not in before:
                raise UserError(INVALID, f"The secret '{key}' cannot be set to the mask value.")
            continue
        if not isinstance(value, str) or not value:
            raise UserError(INVALID, f"Auth param '{key}' is invalid: must be a non-empty string.")
        new[key] = value
        params[key] = MASK
    return new


def _safe(exc: Exception) -> str:
    # jsonpatch messages name paths, not values; keep only the first line to be safe.
    return str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
