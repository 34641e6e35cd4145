"""Logging rules that keep secrets out of the log."""

from __future__ import annotations

import logging

__all__ = ["quiet_libraries"]

# At DEBUG, botocore logs request headers, including X-Amz-Security-Token (a session token) and
# the signed Authorization header. These loggers never go below WARNING, whatever the level.
CHATTY = ("botocore", "boto3", "s3transfer", "urllib3")


def quiet_libraries() -> None:
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
