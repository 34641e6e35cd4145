"""Catalog Service datasets and batches, and the Delta Lake tables that hold a dataset's rows."""
