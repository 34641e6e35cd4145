"""The connection test: three bounded steps that try what real work needs, never a bucket walk.

1. ``credentials``: Access Key → ListBuckets (a denial is inconclusive: keys scoped to one bucket
   may not list buckets, so the step is skipped and the listing decides); IAM Role → AssumeRole.
2. ``list``: ListObjectsV2 with MaxKeys=1 on bucketName/folderPath (repeated at most twice to
   step over zero-byte objects: folder markers such as ``folder/``, and empty files), or
   ListBuckets without a bucket.
3. ``read``: a ranged GET of the first 1 KiB of the key the listing returned; skipped if none.
   An empty object is read with a plain GET (S3 refuses any Range on 0 bytes: InvalidRange).

A failed step skips the ones after it. The clients used have at most two attempts and short
timeouts (see :class:`~flowservice.s3.clients.ClientFactory`), the whole test runs under one
deadline (:mod:`flowservice.deadlines`), and a step that would start after it fails with
``1381-504`` instead of running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flowservice.deadlines import deadline, remaining
from flowservice.drivers.base import TestReport, TestStep
from flowservice.errors import FlowServiceError
from flowservice.s3.clients import ClientFactory
from flowservice.s3.config import S3Params
from flowservice.s3.errors import ACCESS_DENIED, TIMEOUT, source_errors
from flowservice.s3.paths import S3Location

__all__ = ["READ_BYTES", "run_checks"]

READ_BYTES = 1024
MARKERS_SKIPPED = 2


class _Skip(Exception):
    """A step that did not run, with the reason."""


@dataclass(frozen=True, slots=True)
class _Found:
    location: S3Location
    size: int


@dataclass
class _State:
    factory: ClientFactory
    params: S3Params
    steps: list[TestStep] = field(default_factory=list)
    buckets: int | None = None
    found: _Found | None = None

    def run(self, name: str, step: Callable[[_State], str]) -> None:
        left = remaining()
        if any(s.outcome == "failed" for s in self.steps):
            self.steps.append(TestStep(name, "skipped", None, "An earlier step failed."))
        elif left is not None and left <= 0:
            message = "The connection test ran out of time before this step. Try again later."
            self.steps.append(TestStep(name, "failed", TIMEOUT, message))
        else:
            self.steps.append(_outcome(name, step, self))


def _outcome(name: str, step: Callable[[_State], str], state: _State) -> TestStep:
    try:
        return TestStep(name, "passed", None, step(state))
    except _Skip as skip:
        return TestStep(name, "skipped", None, str(skip))
    except FlowServiceError as exc:
        return TestStep(name, "failed", exc.code, exc.message)


def _count_buckets(state: _State) -> int:
    client = state.factory.client(state.params, test=True)
    with source_errors("listing the buckets"):
        return len(client.list_buckets().get("Buckets", []))


def _credentials(state: _State) -> str:
    if state.params.is_role:
        credentials = state.factory.role_credentials(state.params, test=True)
        credentials.get_frozen_credentials()
        return f"The service assumed {state.params.role_arn}."
    try:
        state.buckets = _count_buckets(state)
    except FlowServiceError as exc:
        if exc.code != ACCESS_DENIED:
            raise
        raise _Skip(
            "Inconclusive: these credentials may not list buckets (ListBuckets was denied), "
            "which is normal for keys limited to one bucket; the list step decides."
        ) from None
    return "The source accepted the credentials (ListBuckets)."


def _list(state: _State) -> str:
    root = state.params.scope.root
    if root is None:
        count = state.buckets if state.buckets is not None else _count_buckets(state)
        return f"Listed the account's buckets ({count} visible)."
    state.found = _first_object(state, root)
    if state.found is None:
        return f"Listed {root.path}: it holds no object to read."
    return f"Listed {root.path}."


def _first_object(state: _State, root: S3Location) -> _Found | None:
    """The first non-empty object under ``root`` within a few keys, else an empty file seen.

    Folder markers (``folder/``, zero bytes) are never picked: they are not files.
    """
    client = state.factory.client(state.params, test=True)
    request: dict[str, Any] = {"Bucket": root.bucket, "Prefix": root.key, "MaxKeys": 1}
    empty: _Found | None = None
    for _ in range(MARKERS_SKIPPED + 1):
        with source_errors(f"listing {root.path}"):
            response = client.list_objects_v2(**request)
        objects = response.get("Contents", [])
        if not objects:
            break
        key, size = objects[0]["Key"], int(objects[0].get("Size", 0))
        if size > 0:
            return _Found(S3Location(root.bucket, key), size)
        if not key.endswith("/"):
            empty = empty or _Found(S3Location(root.bucket, key), 0)
        request["StartAfter"] = key
    return empty


def _read(state: _State) -> str:
    found = state.found
    if found is None:
        raise _Skip("Nothing to read: the list step found no object.")
    location = found.location
    client = state.factory.client(state.params, test=True)
    # Any Range on an empty object is InvalidRange; "bytes=0-" would stream a whole object.
    whole = found.size == 0
    with source_errors(f"reading {location.path}"):
        if whole:
            response = client.get_object(Bucket=location.bucket, Key=location.key)
        else:
            response = client.get_object(
                Bucket=location.bucket, Key=location.key, Range=f"bytes=0-{READ_BYTES - 1}"
            )
        size = len(response["Body"].read(READ_BYTES))
        response["Body"].close()
    if whole:
        return f"Read {location.path}: an empty object (0 bytes)."
    return f"Read {size} bytes of {location.path}."


def run_checks(factory: ClientFactory, params: S3Params, timeout: float) -> TestReport:
    """Test one connection's params; source failures become failed steps, never exceptions."""
    state = _State(factory, params)
    with deadline(timeout):
        state.run("credentials", _credentials)
        state.run("list", _list)
        state.run("read", _read)
    return TestReport(state.steps)
