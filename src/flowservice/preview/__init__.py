"""Previews of files in cloud storage: delimited, JSON and Parquet, compressed or not.

A pure engine over a driver's ``ByteSource``: no network code here. See ``docs/preview.md``.
"""

from __future__ import annotations

from flowservice.preview.engine import preview
from flowservice.preview.options import PreviewOptions

__all__ = ["PreviewOptions", "preview"]
