"""Request bodies checked with pydantic models; errors name the field, never echo the value."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from flowservice import codes
from flowservice.errors import UserError

__all__ = ["parse_model"]

M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], body: Any) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise UserError(codes.BODY_SHAPE, _describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "missing":
        return f"The field '{where}' is required."
    if error["type"] == "extra_forbidden":
        return f"Unknown field '{where}'."
    return f"The field '{where}' is invalid: {error['msg']}."
