"""The contract's JSON Patch rules for connections (§4 PATCH), over the shared patch engine.

The patch is applied to a view of the connection in which secrets hold ``MASK``. After applying,
a secret still equal to ``MASK`` keeps its stored value; any other value is a new secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowservice import codes
from flowservice.catalog import AuthSpec, validate_params
from flowservice.errors import UserError
from flowservice.resources.patch import apply_patch, invalid
from flowservice.resources.secrets import MASK

__all__ = ["Patched", "patch_connection"]

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


@dataclass(frozen=True)
class _Paths:
    auth: AuthSpec

    def check(self, path: str) -> None:
        if path.lower().startswith("/connectionspec"):
            raise UserError(
                codes.SPEC_CHANGE, "The connection spec of a connection cannot be changed."
            )
        if path in FIXED_PATHS:
            return
        param = path.removeprefix("/auth/params/")
        if param == path or not param or "/" in param:
            raise invalid(
                f"The path '{path}' cannot be patched; use /name, /description, /state, "
                "/auth/params or /auth/params/<param>."
            )

    def replace_adds(self, path: str, view: dict[str, Any]) -> bool:
        # Decision (contract §4): replace of a param the auth spec defines but the connection
        # lacks acts as add (the tutorial's token refresh works either way).
        param = path.removeprefix("/auth/params/")
        known = param in self.auth.known_params
        return param != path and known and param not in view["auth"]["params"]


def patch_connection(view: dict[str, Any], body: Any, auth: AuthSpec) -> Patched:
    """Apply ``body`` (a list of ops or one op) to ``view``; all ops apply or none does."""
    return _check(apply_patch(view, body, _Paths(auth)), view, auth)


def _check(result: dict[str, Any], before: dict[str, Any], auth: AuthSpec) -> Patched:
    name, description, state = result.get("name"), result.get("description"), result.get("state")
    if not isinstance(name, str) or not name.strip() or len(name) > 512:
        raise invalid("The name must be a non-empty string of at most 512 characters.")
    if description is not None and not isinstance(description, str):
        raise invalid("The description must be a string.")
    if not isinstance(state, str) or state.lower() not in ("enabled", "disabled"):
        raise invalid("The state must be enabled or disabled.")
    params = result.get("auth", {}).get("params")
    if not isinstance(params, dict):
        raise invalid("The auth params must be an object.")
    new_secrets = _split_secrets(params, before["auth"]["params"], auth)
    validate_params(auth, {**params, **new_secrets}, code=codes.INVALID_PATCH)
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
                raise invalid(f"The secret '{key}' cannot be set to the mask value.")
            continue
        if not isinstance(value, str) or not value:
            raise invalid(f"Auth param '{key}' is invalid: must be a non-empty string.")
        new[key] = value
        params[key] = MASK
    return new
