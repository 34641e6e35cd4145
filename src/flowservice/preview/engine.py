"""``preview()``: the preview document for one file, from a bounded sample of its bytes.

The error boundary: the driver's own failures pass through untouched; every decoding or parsing
failure leaves as a ``UserError`` with a 137x code; anything else is a bug.
"""

from __future__ import annotations

import csv
import struct
import tarfile
import zlib
from typing import Any

from flowservice.drivers.base import ByteSource
from flowservice.errors import FlowServiceError
from flowservice.formats import codes
from flowservice.formats.text import decode
from flowservice.preview.decompress import content
from flowservice.preview.delimited import read_delimited
from flowservice.preview.detect import detect_properties
from flowservice.preview.jsonlines import read_json
from flowservice.preview.limits import MAX_SAMPLE_BYTES
from flowservice.preview.options import (
    DEFAULT_DELIMITER,
    DEFAULT_ENCODING,
    PreviewOptions,
    Properties,
)
from flowservice.preview.parquet import read_parquet
from flowservice.preview.schema import Table, render
from flowservice.preview.source import SampledSource, SourceFailure

# A safety net: the stages convert these themselves, with more precise messages.
_FORMAT_ERRORS = (
    ValueError,  # json, csv values, UnicodeDecodeError, pyarrow's ArrowInvalid
    OSError,  # bz2, pyarrow's I/O errors
    EOFError,
    zlib.error,
    csv.Error,
    tarfile.TarError,
    struct.error,
    OverflowError,
    RecursionError,
)


def preview(source: ByteSource, options: PreviewOptions) -> dict[str, Any]:
    """The contract's preview document (format, schema, data; properties when determined).

    Reads a bounded prefix of the file (and, for Parquet, its footer and first pages) however
    large it is. Raises ``UserError`` (137x codes) for files that cannot be previewed.
    """
    try:
        return _preview(SampledSource(source), options)
    except SourceFailure as failure:
        # As the driver raised it: its own cause kept, the carrier hidden.
        raise failure.original from failure.original.__cause__
    except FlowServiceError:
        raise
    except _FORMAT_ERRORS as exc:
        raise codes.wrong_format(f"The file could not be read ({exc}).") from exc


def _preview(source: ByteSource, options: PreviewOptions) -> dict[str, Any]:
    if source.size == 0:
        raise codes.empty_file()
    determine = options.determine_properties
    properties = detect_properties(source) if determine else options.properties()
    document = render(_read(source, properties, options.max_rows))
    if determine:
        document["properties"] = properties.to_wire()
    return document


def _read(source: ByteSource, properties: Properties, max_rows: int) -> Table:
    if properties.file_type == "parquet":
        return read_parquet(source, max_rows)
    with content(source, properties.compression, MAX_SAMPLE_BYTES) as (chunks, state):
        text = decode(chunks, properties.encoding or DEFAULT_ENCODING, state)
        if properties.file_type == "json":
            return read_json(text, state, max_rows)
        return read_delimited(text, properties.delimiter or DEFAULT_DELIMITER, state, max_rows)
