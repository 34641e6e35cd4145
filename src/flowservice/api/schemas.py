"""Response shapes, for the OpenAPI document (handlers build plain dicts for speed)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ERRORS", "Created", "GatewayErrorBody", "Problem", "errors"]


class Created(BaseModel):
    id: str
    etag: str = Field(description='Opaque, contains double quotes, e.g. "\\"3600e378-...\\"".')


class Count(BaseModel):
    count: int


class ConnectionSpecRef(BaseModel):
    id: str
    version: str


class AuthOut(BaseModel):
    specName: str
    params: dict[str, Any] = Field(description='Secrets are shown as "********".')


class ConnectionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    createdAt: int
    updatedAt: int
    createdBy: str
    updatedBy: str
    createdClient: str
    updatedClient: str
    sandboxId: str
    sandboxName: str
    imsOrgId: str
    name: str
    description: str | None
    connectionSpec: ConnectionSpecRef
    state: str
    auth: AuthOut
    version: str
    etag: str


class Link(BaseModel):
    href: str


class Links(BaseModel):
    next: Link | None = None


class ConnectionList(BaseModel):
    items: list[ConnectionOut]
    links: Links = Field(alias="_links")


class ConnectionItems(BaseModel):
    items: list[ConnectionOut] = Field(min_length=1, max_length=1)


class SpecItems(BaseModel):
    items: list[dict[str, Any]]


class ExploreEntry(BaseModel):
    type: str = Field(examples=["file"], description="file or folder")
    name: str = Field(examples=["account.csv"])
    path: str = Field(
        examples=["/my-bucket/userdata1/account.csv"], description="Folders end with /."
    )
    canPreview: bool
    canFetchSchema: bool


class PreviewColumn(BaseModel):
    """A column; ``object`` columns add ``subProperties``, ``array`` columns ``items``."""

    model_config = ConfigDict(extra="allow")

    name: str
    type: str = Field(
        description="string, integer, number, boolean, date, date-time, object, array"
    )
    xdm: dict[str, Any]


class PreviewSchema(BaseModel):
    columns: list[PreviewColumn]


class PreviewDocument(BaseModel):
    format: str = Field(examples=["flat"], description="flat, or hierarchical with nested columns")
    schema_: PreviewSchema = Field(alias="schema")
    data: list[dict[str, Any]] | None = Field(default=None, description="With preview=true.")
    properties: dict[str, str] | None = Field(
        default=None, description="With determineProperties=true."
    )


class TestStepOut(BaseModel):
    name: str = Field(examples=["credentials", "list", "read"])
    outcome: str = Field(examples=["passed"], description="passed, failed or skipped")
    code: str | None = None
    message: str


class TestResult(BaseModel):
    result: bool
    steps: list[TestStepOut]


class Problem(BaseModel):
    type: str = Field(examples=["https://ns.adobe.com/aep/errors/FLOW-1101-404"])
    title: str
    status: int
    report: dict[str, Any]
    errorMessage: str
    errorDetails: str


class GatewayErrorBody(BaseModel):
    error_code: str = Field(examples=["401013"])
    message: str = Field(examples=["Oauth token is not valid"])


_GATEWAY = {
    401: "Token unknown, expired or revoked (401013).",
    403: "No token (403010), no or wrong API key (403000, 403003), wrong org (403025).",
}
_SERVICE = {
    400: "Bad request: missing header (400003 gateway body, 2105-400), invalid input (see code).",
    404: "Not found in this org and sandbox (1101-404), or sandbox unknown (2100-404).",
    500: "Internal error (1102-500): a bug, never bad input.",
}
ERRORS: dict[int | str, dict[str, Any]] = {
    **{
        status: {"model": GatewayErrorBody, "description": text}
        for status, text in _GATEWAY.items()
    },
    **{status: {"model": Problem, "description": text} for status, text in _SERVICE.items()},
}


def errors(**extra: str) -> dict[int | str, dict[str, Any]]:
    """The common error responses plus route-specific ones, e.g. ``errors(s412="...")``."""
    more: dict[int | str, dict[str, Any]] = {
        int(k[1:]): {"model": Problem, "description": v} for k, v in extra.items()
    }
    return {**ERRORS, **more}
