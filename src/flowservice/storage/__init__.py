"""Persistence: engine and sessions, tables, migrations, repositories.

Repository functions take a ``Session`` and never commit: the service function that owns the
use case owns the transaction.
"""
