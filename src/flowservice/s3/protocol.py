"""Answers that are not S3's, refused before botocore reads them as empty results.

Pointed at a web server, a captive portal or another API, botocore parses a ``200`` HTML page
for ListBuckets or ListObjectsV2 into a result with no buckets and no keys: the connection test
would pass and explore would show an empty bucket. Every S3 server answers these two calls with
an XML document whose root element names the result, so a 2xx answer with any other body is
refused with ``1391-400``. Other calls are left alone: an object may legitimately be an HTML
page, and HEAD answers have no body.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flowservice.s3.errors import NotS3

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.model import OperationModel

__all__ = ["install_answer_check", "root_element"]

EXPECTED_ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListObjectsV2": "ListBucketResult",
}
# The XML declaration, comments and whitespace that may precede the root element.
_PROLOG = re.compile(rb"\A(?:\s+|<\?[^>]*\?>|<!--.*?-->)*", re.DOTALL)
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_SNIFF_BYTES = 4096


def root_element(body: bytes) -> str | None:
    """The local name of the document's root element, or None if it does not start like XML."""
    head = body[:_SNIFF_BYTES]
    prolog = _PROLOG.match(head)
    match = _ROOT.match(head, prolog.end() if prolog else 0)
    return match.group(1).decode("ascii") if match else None


def _describe(body: bytes, headers: Any) -> str:
    content_type = str(headers.get("content-type", "") or "").split(";")[0].strip()
    found = root_element(body)
    if found == "html" or "html" in content_type:
        return "with an HTML page"
    if found is not None:
        return f"with an XML document <{found}> where S3 sends its own result"
    if content_type:
        return f"with a {content_type} body where S3 sends XML"
    return "with a body that is not XML"


def check_answer(operation_model: OperationModel, response_dict: dict[str, Any], **_: Any) -> None:
    """botocore ``before-parse`` handler: refuse a 2xx list answer that is not S3's."""
    expected = EXPECTED_ROOTS.get(operation_model.name)
    if expected is None or not 200 <= int(response_dict.get("status_code", 0)) < 300:
        return
    body = response_dict.get("body") or b""
    if root_element(body) != expected:
        headers = response_dict.get("headers", {})
        log = f"{operation_model.name}: expected <{expected}>, got {body[:200]!r}"
        raise NotS3(_describe(body, headers), log_message=log)


def install_answer_check(client: BaseClient) -> None:
    client.meta.events.register("before-parse.s3", check_answer, unique_id="flowservice-answer")
