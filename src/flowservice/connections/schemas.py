"""Request bodies, validated with pydantic; errors name the field, never echo the value."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flowservice import codes
from flowservice.errors import UserError

__all__ = ["AuthIn", "ConnectionCreate", "ConnectionSpecRef", "PatchOperation", "parse_model"]

BODY_CODE = codes.BODY_SHAPE
M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ConnectionSpecRef(_Strict):
    id: str = Field(min_length=1, max_length=64)
    version: str | None = Field(default=None, max_length=16)


class AuthIn(_Strict):
    specName: str = Field(min_length=1, max_length=128)
    params: dict[str, Any]


class ConnectionCreate(_Strict):
    name: str = Field(min_length=1, max_length=512)
    description: str | None = Field(default=None, max_length=4096)
    auth: AuthIn
    connectionSpec: ConnectionSpecRef


class PatchOperation(BaseModel):
    """One RFC 6902 operation (documentation only; the patch engine checks each op)."""

    op: str = Field(examples=["replace"])
    path: str = Field(examples=["/auth/params/s3SessionToken"])
    value: Any = None


def parse_model(model: type[M], body: Any) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise UserError(BODY_CODE, _describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    if error["type"] == "missing":
        return f"The field '{where}' is required."
    if error["type"] == "extra_forbidden":
        return f"Unknown field '{where}'."
    return f"The field '{where}' is invalid: {error['msg']}."
