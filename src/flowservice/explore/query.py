"""The explore endpoint's query: which object, how to list it, how to preview it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from flowservice import codes
from flowservice.errors import UserError
from flowservice.preview import PreviewOptions

__all__ = ["ExploreQuery", "parse_explore_query"]

ObjectType = Literal["root", "folder", "file"]
OBJECT_TYPES: tuple[ObjectType, ...] = ("root", "folder", "file")
DEFAULT_LIMIT = 1000  # also the most one page holds: S3 lists at most 1,000 keys a call


@dataclass(frozen=True)
class ExploreQuery:
    object_type: ObjectType
    path: str | None = None
    limit: int = DEFAULT_LIMIT
    token: str | None = None
    preview: bool = False
    options: PreviewOptions | None = None


def parse_explore_query(query: Mapping[str, str]) -> ExploreQuery:
    """Parse the query (names and enum values case-insensitive); unknown names are ignored."""
    params = {name.lower(): value for name, value in query.items()}
    object_type = _object_type(params.get("objecttype"))
    path = params.get("object") or None
    if object_type != "root" and path is None:
        raise UserError(
            codes.OBJECT_REQUIRED,
            f"The parameter 'object' is required for objectType={object_type}.",
        )
    if object_type != "file":
        return ExploreQuery(
            object_type, path, _limit(params.get("limit")), params.get("continuationtoken") or None
        )
    preview = _flag(params.get("preview"), "preview")
    request = (
        "A preview (objectType=file&preview=true)"
        if preview
        else "Reading a file's format and schema (objectType=file without preview=true)"
    )
    options = PreviewOptions.from_query(query, request=request)
    return ExploreQuery(object_type, path, preview=preview, options=options)


def _object_type(raw: str | None) -> ObjectType:
    folded = (raw or "").lower()
    for value in OBJECT_TYPES:
        if value == folded:
            return value
    shown = "missing" if raw is None else f"'{raw}'"
    raise UserError(
        codes.INVALID_OBJECT_TYPE, f"The objectType is {shown}; use root, folder or file."
    )


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise UserError(codes.INVALID_VALUE, f"The limit '{raw}' must be a positive integer.")
    return min(int(raw), DEFAULT_LIMIT)


def _flag(raw: str | None, name: str) -> bool:
    if raw is None or raw.lower() in ("", "false"):
        return False
    if raw.lower() == "true":
        return True
    raise UserError(codes.INVALID_VALUE, f"The parameter '{name}' must be true or false.")
