"""Reading the contract's error shape in tests."""

from __future__ import annotations

import re

import httpx

_CODE = re.compile(r"/(?:FLOW|CAT|DATAPREP|EXPORT)-(\d{4}-\d{3})$")


def error_code(response: httpx.Response) -> str:
    """The service error code (``1404-412``) from a problem body's ``type``."""
    match = _CODE.search(str(response.json()["type"]))
    assert match, response.text
    return match.group(1)
