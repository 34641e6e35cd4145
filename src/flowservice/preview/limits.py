"""The caps that keep a preview's time, memory and bytes read independent of the file's size."""

from __future__ import annotations

from flowservice.formats.rangefile import BLOCK_BYTES, CACHED_BLOCKS

KIB = 1024
MIB = 1024 * KIB

#: One streaming read from the source; small, because a preview needs only 100 rows.
CHUNK_BYTES = 64 * KIB

#: Bytes fetched from the source for a delimited or JSON preview (compressed or not).
MAX_SOURCE_BYTES = 16 * MIB

#: Decompressed bytes examined for a delimited or JSON preview; a single record longer
#: than this cannot be previewed.
MAX_SAMPLE_BYTES = 8 * MIB

#: Decompressed bytes examined to determine the properties of a file.
DETECT_BYTES = 64 * KIB

#: Lines examined to guess the column delimiter.
DETECT_LINES = 50

#: Bytes of the start of the file kept in memory, so detection and reading share one fetch.
PREFIX_CACHE_BYTES = 1 * MIB

#: Bytes fetched from the source for a Parquet preview (footer plus the first pages).
MAX_PARQUET_BYTES = 64 * MIB

#: The largest Parquet footer (file metadata) a preview reads.
MAX_PARQUET_FOOTER_BYTES = 16 * MIB

#: Smallest ranged read for Parquet: pyarrow's many small reads are served from these blocks.
PARQUET_BLOCK_BYTES = BLOCK_BYTES

#: Parquet blocks kept in memory (the footer plus the head of each column chunk being read).
PARQUET_CACHED_BLOCKS = CACHED_BLOCKS

#: Columns in a preview, nested sub-columns included; an object wider than this is previewed
#: as JSON text. Keeps the document (rows x columns) small whatever the sample holds.
MAX_COLUMNS = 10_000

#: Deeper JSON nesting is previewed as JSON text in a string column.
MAX_NESTING = 32
