"""Auth params against their JSON Schema, with messages that name the field and the rule.

jsonschema's own messages quote the offending value; for a secret that would leak it into the
response and the logs, so messages are built here from the field name and the rule only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import ValidationError

from flowservice import codes
from flowservice.catalog.catalog import AuthSpec
from flowservice.errors import UserError

__all__ = ["validate_params"]

MISSING_CODE = codes.MISSING_FIELD


def validate_params(
    auth: AuthSpec, params: Mapping[str, Any], *, code: str = codes.INVALID_PARAM
) -> None:
    """Raise a UserError for the first problem; ``code`` is used for all but a missing field."""
    unknown = sorted(set(params) - auth.known_params)
    if unknown:
        allowed = ", ".join(sorted(auth.known_params))
        raise UserError(
            code,
            f"Unknown auth params for '{auth.name}': {', '.join(unknown)}. Allowed: {allowed}.",
        )
    error = _first_error(auth, params)
    if error is not None:
        raise _to_user_error(error, code)
    _no_control_characters(params, code)


def _no_control_characters(params: Mapping[str, Any], code: str) -> None:
    """Auth params are single-line values: keys, tokens, URLs, names. A line break in one would
    end up in an HTTP header (and in the error that quotes it), so it is refused here."""
    for name, value in params.items():
        if isinstance(value, str) and any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise UserError(code, f"Auth param '{name}' is invalid: it holds a control character.")


def _first_error(auth: AuthSpec, params: Mapping[str, Any]) -> ValidationError | None:
    errors = sorted(auth.validator.iter_errors(dict(params)), key=lambda e: list(e.path))
    return errors[0] if errors else None


def _to_user_error(error: ValidationError, code: str) -> UserError:
    if error.validator == "required":
        missing = _missing_field(error)
        return UserError(
            code if code != codes.INVALID_PARAM else MISSING_CODE,
            f"The mandatory field '{missing}' is missing in auth params.",
        )
    field = ".".join(str(p) for p in error.path) or "params"
    return UserError(code, f"Auth param '{field}' is invalid: {_rule(error)}.")


def _missing_field(error: ValidationError) -> str:
    # error.message is "'s3SecretKey' is a required property": the field name, never a value.
    required = [str(name) for name in error.validator_value]  # type: ignore[union-attr]
    present = error.instance if isinstance(error.instance, dict) else {}
    return next((name for name in required if name not in present), "?")


def _rule(error: ValidationError) -> str:
    rules: dict[str, Callable[[Any], str]] = {
        "type": lambda v: f"must be of type {v}",
        "minLength": lambda v: f"must be at least {v} characters long",
        "maxLength": lambda v: f"must be at most {v} characters long",
        "pattern": lambda v: f"must match the pattern {v}",
        "not": lambda _v: "must not be shaped like an IP address",
        "format": lambda v: f"must be a valid {v}",
        "enum": lambda v: f"must be one of {', '.join(map(str, v))}",
    }
    render: Callable[[Any], str] | None = rules.get(str(error.validator))
    return render(error.validator_value) if render else f"fails the '{error.validator}' rule"
