"""One page of a folder (ListObjectsV2 with a ``/`` delimiter) or of the account's buckets.

A page holds at most ``limit`` entries (S3's MaxKeys, capped at 1,000); nothing more is ever
held in memory. The continuation token handed out is S3's ``NextContinuationToken`` wrapped as
base64url without padding (no ``=`` or ``&``, so clients can split the ``_links`` href), tagged
with a digest of the listed folder so a token cannot be replayed against another folder.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import re
from collections.abc import Iterator
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from flowservice.drivers.base import Entry, FileInfo, Page
from flowservice.errors import UserError
from flowservice.s3.errors import BAD_CONTINUATION
from flowservice.s3.paths import S3Location

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

__all__ = ["decode_token", "encode_token", "iter_files", "list_buckets", "list_folder"]

MAX_KEYS = 1000
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,8192}$")
_BUCKETS = "buckets"


def _tag(kind: str, listed: str) -> str:
    return kind + hashlib.sha256(listed.encode()).hexdigest()[:12]


def encode_token(kind: str, listed: str, value: str) -> str:
    """Wrap ``value`` (S3's token, or the last bucket name) for the listing of ``listed``."""
    raw = (_tag(kind, listed) + value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _bad_token() -> UserError:
    return UserError(
        BAD_CONTINUATION,
        "The continuation token is not one this listing issued. Start the listing again "
        "without a continuation token.",
    )


def decode_token(kind: str, listed: str, token: str) -> str:
    """The value :func:`encode_token` wrapped, or ``1366-400`` for anything else."""
    if not _TOKEN.match(token):
        raise _bad_token()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise _bad_token() from None
    tag = _tag(kind, listed)
    if not raw.startswith(tag) or len(raw) == len(tag):
        raise _bad_token()
    return raw[len(tag) :]


def list_buckets(client: S3Client, limit: int, token: str | None) -> Page:
    """The account's buckets as folders ``/<bucket>/``, by name, ``limit`` at a time."""
    after = decode_token("b", _BUCKETS, token) if token else ""
    names = sorted(b["Name"] for b in client.list_buckets().get("Buckets", []) if "Name" in b)
    rest = [name for name in names if name > after]
    page = rest[:limit]
    entries = [Entry("folder", name, f"/{name}/") for name in page]
    more = len(rest) > limit
    return Page(entries, encode_token("b", _BUCKETS, page[-1]) if more else None)


def _entries(folder: S3Location, response: Any) -> list[Entry]:
    prefix, bucket = folder.key, folder.bucket
    folders = [
        (
            p["Prefix"],
            Entry("folder", p["Prefix"][len(prefix) :].rstrip("/"), f"/{bucket}/{p['Prefix']}"),
        )
        for p in response.get("CommonPrefixes", [])
    ]
    files = [
        (o["Key"], Entry("file", o["Key"][len(prefix) :], f"/{bucket}/{o['Key']}"))
        for o in response.get("Contents", [])
        if o["Key"] != prefix  # the zero-byte "folder marker" object
    ]
    return [entry for _, entry in heapq.merge(folders, files, key=itemgetter(0))]


def list_folder(client: S3Client, folder: S3Location, limit: int, token: str | None) -> Page:
    """The immediate children of ``folder`` (folders end with ``/``), in key order."""
    kwargs: dict[str, Any] = {
        "Bucket": folder.bucket,
        "Prefix": folder.key,
        "Delimiter": "/",
        "MaxKeys": max(1, min(limit, MAX_KEYS)),
    }
    if token:
        kwargs["ContinuationToken"] = decode_token("c", folder.path, token)
    response = client.list_objects_v2(**kwargs)
    following = response.get("NextContinuationToken") if response.get("IsTruncated") else None
    return Page(
        _entries(folder, response),
        encode_token("c", folder.path, following) if following else None,
    )


def iter_files(client: S3Client, folder: S3Location, recursive: bool) -> Iterator[FileInfo]:
    """The objects under ``folder`` (only its own level unless ``recursive``), a page at a time."""
    kwargs: dict[str, Any] = {"Bucket": folder.bucket, "Prefix": folder.key, "MaxKeys": MAX_KEYS}
    if not recursive:
        kwargs["Delimiter"] = "/"
    while True:
        response = client.list_objects_v2(**kwargs)
        for item in response.get("Contents", []):
            key = item["Key"]
            if key.endswith("/"):
                continue  # a folder marker
            modified = item["LastModified"]
            yield FileInfo(
                f"/{folder.bucket}/{key}",
                int(item.get("Size", 0)),
                int(modified.timestamp() * 1000),
                str(item.get("ETag", "")).strip('"'),
            )
        token = response.get("NextContinuationToken") if response.get("IsTruncated") else None
        if not token:
            return
        kwargs["ContinuationToken"] = token
