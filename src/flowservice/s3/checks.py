"""The connection test: three bounded steps that try what real work needs, never a bucket walk.

1. ``credentials``: Access Key → ListBuckets (a denial is inconclusive: keys scoped to one bucket
   may not list buckets, so the step is skipped and the listing decides); IAM Role → AssumeRole.
2. ``list``: ListObjectsV2 with MaxKeys=1 on bucketName/folderPath (repeated at most twice to
   step over zero-byte folder markers such as ``folder/``), or ListBuckets without a bucket.
3. ``read``: a ranged GET of the first 1 KiB of the key the listing returned; skipped if none.

A failed step skips the ones after it. The clients used have at most two attempts and short
timeouts (see :class:`~flowservice.s3.clients.ClientFactory`), and a step that would start after
the test's deadline fails with ``1381-504`` instead of running.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class _State:
    factory: ClientFactory
    params: S3Params
    deadline: float
    steps: list[TestStep] = field(default_factory=list)
    buckets: int | None = None
    first_key: S3Location | None = None

    def run(self, name: str, step: Callable[[_State], str]) -> None:
        if any(s.outcome == "failed" for s in self.steps):
            self.steps.append(TestStep(name, "skipped", None, "An earlier step failed."))
        elif time.monotonic() > self.deadline:
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
    key = _first_key(state, root)
    if key is None:
        return f"Listed {root.path}: it holds no object to read."
    state.first_key = S3Location(root.bucket, key)
    return f"Listed {root.path}."


def _first_key(state: _State, root: S3Location) -> str | None:
    """The first object key under ``root``, looking past a few zero-byte folder markers."""
    client = state.factory.client(state.params, test=True)
    request: dict[str, Any] = {"Bucket": root.bucket, "Prefix": root.key, "MaxKeys": 1}
    for _ in range(MARKERS_SKIPPED + 1):
        with source_errors(f"listing {root.path}"):
            response = client.list_objects_v2(**request)
        keys = [o["Key"] for o in response.get("Contents", [])]
        if not keys or not keys[0].endswith("/"):
            return keys[0] if keys else None
        request["StartAfter"] = keys[0]
    return None


def _read(state: _State) -> str:
    location = state.first_key
    if location is None:
        raise _Skip("Nothing to read: the list step found no object.")
    client = state.factory.client(state.params, test=True)
    with source_errors(f"reading {location.path}"):
        response = client.get_object(
            Bucket=location.bucket, Key=location.key, Range=f"bytes=0-{READ_BYTES - 1}"
        )
        size = len(response["Body"].read())
    return f"Read {size} bytes of {location.path}."


def run_checks(factory: ClientFactory, params: S3Params, timeout: float) -> TestReport:
    """Test one connection's params; source failures become failed steps, never exceptions."""
    state = _State(factory, params, time.monotonic() + timeout)
    state.run("credentials", _credentials)
    state.run("list", _list)
    state.run("read", _read)
    return TestReport(state.steps)
