"""What the caller asks for (``PreviewOptions``) and what the engine reads (``Properties``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from flowservice.formats import codes
from flowservice.formats.kinds import (
    COMPRESSIONS,
    ENCODINGS,
    FILE_TYPES,
    Compression,
    Encoding,
    FileType,
)

DEFAULT_DELIMITER = ","
DEFAULT_ENCODING: Encoding = "UTF-8"
# A tab typed into a form or a URL often arrives as the two characters backslash-t.
_ESCAPED_TAB = "\\t"
_UNUSABLE_DELIMITERS = {'"': "the quote character", "\r": "a line break", "\n": "a line break"}

_C = TypeVar("_C", bound=str)


@dataclass(frozen=True)
class Properties:
    """How the engine reads a file: given by the caller, or determined from its bytes."""

    file_type: FileType
    compression: Compression
    delimiter: str | None = None  # delimited only
    encoding: str | None = None  # text formats only; "UTF-16" only when a BOM says so

    def to_wire(self) -> dict[str, str]:
        wire: dict[str, str] = {"fileType": self.file_type, "compressionType": self.compression}
        if self.delimiter is not None:
            wire["columnDelimiter"] = self.delimiter
        if self.encoding is not None:
            wire["encoding"] = self.encoding
        return wire


@dataclass(frozen=True)
class PreviewOptions:
    """A preview request's options; invalid combinations raise ``UserError`` on construction."""

    file_type: FileType | None = None
    column_delimiter: str | None = None
    compression_type: Compression | None = None
    encoding: Encoding | None = None
    determine_properties: bool = False
    max_rows: int = 100

    def __post_init__(self) -> None:
        if self.max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        _check_values(self)
        _check_delimiter(self.column_delimiter)
        _check_combination(self)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, request: str = "A preview") -> PreviewOptions:
        """Parse raw query parameters; names and enum values are case-insensitive.

        Other parameters (``objectType``, ``object``, ``preview``) are ignored, and an empty
        value counts as absent. ``request`` names what was asked, for the message when neither
        fileType nor determineProperties=true is given.
        """
        params = {key.lower(): value for key, value in query.items() if value != ""}
        file_type = _choice(params, "fileType", FILE_TYPES)
        determine = _flag(params, "determineProperties")
        if file_type is None and not determine:
            raise codes.file_type_required(request)
        return cls(
            file_type=file_type,
            column_delimiter=_delimiter(params.get("columndelimiter")),
            compression_type=_choice(params, "compressionType", COMPRESSIONS),
            encoding=_choice(params, "encoding", ENCODINGS),
            determine_properties=determine,
        )

    def properties(self) -> Properties:
        """The explicit properties, with the contract's defaults filled in."""
        if self.file_type is None:
            raise codes.file_type_required()
        if self.file_type == "parquet":
            return Properties("parquet", "none")
        delimiter = (
            (self.column_delimiter or DEFAULT_DELIMITER) if self.file_type == "delimited" else None
        )
        return Properties(
            self.file_type,
            self.compression_type or "none",
            delimiter,
            self.encoding or DEFAULT_ENCODING,
        )


def _choice(params: Mapping[str, str], name: str, allowed: tuple[_C, ...]) -> _C | None:
    raw = params.get(name.lower())
    if raw is None:
        return None
    for value in allowed:
        if value.lower() == raw.lower():
            return value
    raise _not_one_of(name, raw, allowed)


def _flag(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name.lower(), "false").lower()
    if raw not in ("true", "false"):
        raise _not_one_of(name, raw, ("true", "false"))
    return raw == "true"


def _delimiter(raw: str | None) -> str | None:
    return "\t" if raw == _ESCAPED_TAB else raw


def _not_one_of(name: str, raw: str, allowed: tuple[str, ...]) -> Exception:
    return codes.invalid_option(f"Invalid {name} '{raw}': use one of {', '.join(allowed)}.")


def _check_values(options: PreviewOptions) -> None:
    """Literal types are not enforced at run time; a direct constructor call gets the same 400."""
    for name, value, allowed in (
        ("fileType", options.file_type, FILE_TYPES),
        ("compressionType", options.compression_type, COMPRESSIONS),
        ("encoding", options.encoding, ENCODINGS),
    ):
        if value is not None and value not in allowed:
            raise _not_one_of(name, value, allowed)


def _check_delimiter(delimiter: str | None) -> None:
    if delimiter is None:
        return
    if len(delimiter) != 1:
        raise codes.bad_delimiter(
            f"columnDelimiter must be one character, got {delimiter!r} ({len(delimiter)} "
            "characters). For a tab, send a tab or the two characters \\t."
        )
    if delimiter in _UNUSABLE_DELIMITERS:
        raise codes.bad_delimiter(f"columnDelimiter cannot be {_UNUSABLE_DELIMITERS[delimiter]}.")


def _check_combination(options: PreviewOptions) -> None:
    explicit = [
        name
        for name, value in (
            ("fileType", options.file_type),
            ("columnDelimiter", options.column_delimiter),
            ("compressionType", options.compression_type),
            ("encoding", options.encoding),
        )
        if value is not None
    ]
    if options.determine_properties and explicit:
        raise codes.conflicting_options(explicit)
    if not options.determine_properties and options.file_type is None:
        raise codes.file_type_required()
    if options.file_type == "parquet" and options.compression_type not in (None, "none"):
        raise codes.invalid_option(
            "compressionType applies to delimited and JSON files only: Parquet files "
            "compress their contents internally. Remove compressionType."
        )
