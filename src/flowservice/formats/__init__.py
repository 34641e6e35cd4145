"""Streaming stages shared by preview and ingestion: magic bytes, decompression and archives,
text decoding, seekable range reads. Each works on iterators of bytes or a ``ByteSource`` and
never holds a whole file in memory."""
