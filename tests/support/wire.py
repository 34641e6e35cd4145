"""Reading the contract's error shape in tests."""

from __future__ import annotations

import httpx


def error_code(response: httpx.Response) -> str:
    """The service error code (``1404-412``) from a problem body's ``type``."""
    return str(response.json()["type"]).rsplit("FLOW-", 1)[1]
