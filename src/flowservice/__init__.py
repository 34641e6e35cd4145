"""flowservice: a self-hostable, wire-compatible Flow Service API for cloud-storage sources."""

__version__ = "0.1.0"
__all__ = ["__version__"]
