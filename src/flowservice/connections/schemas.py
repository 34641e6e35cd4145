"""Request bodies, validated with pydantic; errors name the field, never echo the value."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AuthIn", "ConnectionCreate", "ConnectionSpecRef", "PatchOperation"]


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
