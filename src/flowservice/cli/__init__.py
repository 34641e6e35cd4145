"""The ``flowservice`` command line (Typer)."""

from flowservice.cli.main import app, main

__all__ = ["app", "main"]
