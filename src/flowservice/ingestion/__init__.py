"""The ingestion engine: one run selects files, reads, maps, casts and writes them exactly once."""
