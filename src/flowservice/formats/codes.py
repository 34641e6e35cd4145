"""The preview's error codes, and one constructor per case so messages stay consistent.

Codes from the contract: ``1331-400`` (delimiter), ``1374-400`` (determineProperties with explicit
properties), ``1375-400`` (detection impossible). The 137x codes below are this service's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowservice.errors import UserError

BAD_DELIMITER = "1331-400"
WRONG_FORMAT = "1370-400"
EMPTY_FILE = "1371-400"
UNDECODABLE = "1372-400"
TOO_LARGE = "1373-400"
CONFLICTING_OPTIONS = "1374-400"
UNDETECTABLE = "1375-400"
FILE_TYPE_REQUIRED = "1376-400"
INVALID_OPTION = "1377-400"

_MANUAL_HINT = "Check fileType and compressionType, or use determineProperties=true."


def bad_delimiter(message: str) -> UserError:
    return UserError(BAD_DELIMITER, message)


def wrong_format(message: str, *, hint: bool = True) -> UserError:
    """The file is not what the options say, or it is corrupt."""
    return UserError(WRONG_FORMAT, f"{message} {_MANUAL_HINT}" if hint else message)


def empty_file(message: str = "The file is empty: there is nothing to preview.") -> UserError:
    return UserError(EMPTY_FILE, message)


def undecodable(encoding: str, offset: int, byte: bytes) -> UserError:
    shown = f"0x{byte[0]:02X}" if byte else "an incomplete character"
    return UserError(
        UNDECODABLE,
        f"The file is not valid {encoding}: {shown} at byte offset {offset} of the "
        "(decompressed) content cannot be decoded. Set encoding to the file's encoding "
        "(UTF-8 or ISO-8859-1), or use determineProperties=true.",
    )


def too_large(message: str) -> UserError:
    return UserError(TOO_LARGE, message)


def conflicting_options(names: Sequence[str]) -> UserError:
    return UserError(
        CONFLICTING_OPTIONS,
        "determineProperties=true cannot be combined with explicit properties "
        f"({', '.join(names)}): remove them, or set determineProperties=false.",
    )


def undetectable(reason: str) -> UserError:
    return UserError(
        UNDETECTABLE,
        f"The file's properties could not be determined: {reason}. Enter the properties "
        "manually (fileType, compressionType, columnDelimiter, encoding).",
    )


def file_type_required(request: str = "A preview") -> UserError:
    """``request`` names what was asked, e.g. "A preview (preview=true)"."""
    return UserError(
        FILE_TYPE_REQUIRED,
        f"{request} needs the file's fileType (delimited, json or parquet), or "
        "determineProperties=true to detect it.",
    )


def invalid_option(message: str) -> UserError:
    return UserError(INVALID_OPTION, message)
