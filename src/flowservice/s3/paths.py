"""Explore paths (``/bucket/folder/file.csv``) and the connection's scope, in one place.

A path is refused (``1363-400``) rather than repaired: a backslash, a NUL, an empty segment
(``a//b``), or a ``.``/``..`` segment never reaches S3, so no spelling of a path can step
outside the bucket and folder the connection is limited to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowservice.errors import UserError
from flowservice.s3.errors import OUT_OF_SCOPE

__all__ = ["S3Location", "Scope", "normalise_folder", "parse_path"]

# botocore's own bucket check, loosened to what listings can return (dots, underscores).
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$")
_MAX_KEY_BYTES = 1024


@dataclass(frozen=True, slots=True)
class S3Location:
    """A bucket and a key; a folder's key is ``""`` (the bucket) or ends with ``/``."""

    bucket: str
    key: str

    @property
    def is_folder(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    @property
    def path(self) -> str:
        return f"/{self.bucket}/{self.key}"

    def as_folder(self) -> S3Location:
        if self.is_folder:
            return self
        return S3Location(self.bucket, self.key + "/")


def _refuse(path: str, why: str) -> UserError:
    return UserError(
        OUT_OF_SCOPE,
        f"The path {path!r} is not valid: {why}. Use a path such as /bucket/folder/file.csv "
        "as returned by the explore listing.",
    )


def _segments(text: str, shown: str) -> list[str]:
    if "\\" in text or "\x00" in text:
        raise _refuse(shown, "it contains a backslash or a NUL character")
    if text in ("", "/"):
        return []
    body = text.removeprefix("/")
    body = body.removesuffix("/")
    segments = body.split("/")
    if "" in segments:
        raise _refuse(shown, "it contains an empty segment ('//')")
    if any(s in (".", "..") for s in segments):
        raise _refuse(shown, "'.' and '..' segments are not allowed")
    return segments


def parse_path(path: str) -> S3Location:
    """``/bucket/a/b.csv`` → ``S3Location("bucket", "a/b.csv")``; the leading ``/`` is optional."""
    segments = _segments(path, path)
    if not segments:
        raise _refuse(path, "it names no bucket")
    bucket, rest = segments[0], segments[1:]
    if not _BUCKET.match(bucket):
        raise _refuse(path, f"{bucket!r} is not a bucket name")
    key = "/".join(rest)
    if key and path.endswith("/"):
        key += "/"
    if len(key.encode()) > _MAX_KEY_BYTES:
        raise _refuse(path, "the key is longer than 1024 bytes")
    return S3Location(bucket, key)


def normalise_folder(folder_path: str | None) -> str:
    """A connection's ``folderPath`` as a key prefix: ``""`` or ``"a/b/"``."""
    if not folder_path:
        return ""
    segments = _segments(folder_path, folder_path)
    return "/".join(segments) + "/" if segments else ""


@dataclass(frozen=True, slots=True)
class Scope:
    """What a connection may see: everything, one bucket, or one folder in one bucket."""

    bucket: str | None = None
    folder: str = ""

    @property
    def root(self) -> S3Location | None:
        """The location ``root`` lists, or None when the root is the account's buckets."""
        return S3Location(self.bucket, self.folder) if self.bucket else None

    def check(self, location: S3Location) -> S3Location:
        """Return ``location`` if the connection may see it, else raise ``1363-400``."""
        if self.bucket is None:
            return location
        inside = location.bucket == self.bucket and location.as_folder().key.startswith(self.folder)
        if not inside:
            raise UserError(
                OUT_OF_SCOPE,
                f"The path {location.path!r} is outside this connection's scope "
                f"(/{self.bucket}/{self.folder}). Explore from the connection's root, or "
                "change the connection's bucketName or folderPath.",
            )
        return location
