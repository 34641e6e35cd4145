"""The body of ``POST /dataSets`` (Catalog ``dataSetRequest``, plus an inline ``schema``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DatasetCreate", "SchemaRef"]


class SchemaRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=1024)
    contentType: str | None = Field(default=None, max_length=256)


class DatasetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=512)
    description: str | None = Field(default=None, max_length=4096)
    schemaRef: SchemaRef | None = None
    tags: dict[str, list[str]] | None = None
    fileDescription: dict[str, Any] | None = None
    enableErrorDiagnostics: bool | None = None
    observableSchema: dict[str, Any] | None = None
    dataSourceId: int | str | None = None
    classification: dict[str, Any] | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
