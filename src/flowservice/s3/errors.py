"""S3 failures mapped, once, to the service's errors: the user must act, or retry later.

Codes (the suffix is the HTTP status)::

    1360-400  the source rejected the credentials (unknown key, wrong secret)
    1361-403  the credentials are valid but may not do this (bucket policy, IAM policy)
    1362-404  no such bucket or key
    1363-400  the path is malformed or outside the connection's bucketName/folderPath
    1364-400  serviceUrl is not an allowed endpoint (the SSRF guard)
    1365-400  the session token expired or is invalid: PATCH /auth/params/s3SessionToken
    1366-400  the continuation token is not one this listing issued
    1367-400  the bucket lives in another region than the endpoint
    1368-400  the path names a folder where a file is needed
    1369-400  the source refused the request for another reason (its code is in the report)
    1380-503  the source is unavailable, throttling or failing: retry with backoff
    1381-504  the source did not answer in time (or within the request's deadline): retry
    1390-400  serviceUrl's host name does not resolve (no such name in DNS)
    1391-400  the endpoint answered, but not as S3 does (a web page, a proxy, another API)

Messages name what to change and never contain a secret; the source's own message (which may
quote ARNs and request details, never keys) goes only to ``log_message``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from botocore import exceptions as bx
from botocore.parsers import ResponseParserError
from urllib3.exceptions import HTTPError as URLLib3Error

from flowservice.errors import FlowServiceError, SourceUserError, TransientError, UserError

__all__ = [
    "ACCESS_DENIED",
    "BAD_CONTINUATION",
    "CREDENTIALS_REJECTED",
    "ENDPOINT_NOT_ALLOWED",
    "NAME_NOT_RESOLVED",
    "NOT_A_FILE",
    "NOT_FOUND",
    "NOT_S3",
    "OUT_OF_SCOPE",
    "SESSION_EXPIRED",
    "SOURCE_REFUSED",
    "TIMEOUT",
    "UNAVAILABLE",
    "WRONG_REGION",
    "DeadlineExceeded",
    "EndpointNotAllowed",
    "NotS3",
    "map_error",
    "source_errors",
]

CREDENTIALS_REJECTED = "1360-400"
ACCESS_DENIED = "1361-403"
NOT_FOUND = "1362-404"
OUT_OF_SCOPE = "1363-400"
ENDPOINT_NOT_ALLOWED = "1364-400"
SESSION_EXPIRED = "1365-400"
BAD_CONTINUATION = "1366-400"
WRONG_REGION = "1367-400"
NOT_A_FILE = "1368-400"
SOURCE_REFUSED = "1369-400"
UNAVAILABLE = "1380-503"
TIMEOUT = "1381-504"
NAME_NOT_RESOLVED = "1390-400"
NOT_S3 = "1391-400"

# getaddrinfo's answers meaning "no such name" (the user's to fix), as opposed to EAI_AGAIN
# ("temporary failure in name resolution"), which is transient.
_NO_SUCH_NAME = frozenset(
    getattr(socket, name) for name in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, name)
)

_CREDENTIALS = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId", "AuthFailure",
     "UnrecognizedClientException", "InvalidSecurity"}
)  # fmt: skip
_DENIED = frozenset({"AccessDenied", "AllAccessDisabled", "AccessDeniedException", "403"})
_NOT_FOUND = frozenset({"NoSuchBucket", "NoSuchKey", "NotFound", "404"})
_EXPIRED = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "InvalidToken"}
)
_REGION = frozenset(
    {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException",
     "301", "IncorrectEndpoint"}
)  # fmt: skip
_TIMEOUT = frozenset({"RequestTimeout", "RequestTimeoutException"})
_UNAVAILABLE = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
     "RequestThrottled", "ServiceUnavailable", "InternalError", "BandwidthLimitExceeded"}
)  # fmt: skip


class EndpointNotAllowed(UserError):
    """``serviceUrl`` (or the address it resolved to) is refused by the endpoint guard."""

    title = "Endpoint not allowed"

    def __init__(self, message: str) -> None:
        super().__init__(ENDPOINT_NOT_ALLOWED, message)


class DeadlineExceeded(TransientError):
    """The request's deadline passed before the source answered (see flowservice.deadlines)."""

    def __init__(self) -> None:
        super().__init__(
            TIMEOUT,
            "The source did not answer within the time this request may take. Try again "
            "later; if it persists, check serviceUrl and the network path to it.",
        )


class NotS3(SourceUserError):
    """A 2xx answer that is not an S3 response (see :mod:`flowservice.s3.protocol`)."""

    def __init__(self, what: str, log_message: str | None = None) -> None:
        super().__init__(
            NOT_S3,
            f"The endpoint does not speak S3: it answered {what}. Check that serviceUrl is the "
            "S3 API's URL (for MinIO its API port, not the console's), not a web page or proxy.",
            log_message=log_message,
        )


_USER_ERRORS: tuple[tuple[frozenset[str], str, str], ...] = (
    (
        _CREDENTIALS,
        CREDENTIALS_REJECTED,
        "The source rejected the credentials while {doing} ({code}). Check s3AccessKey and "
        "s3SecretKey, and PATCH /auth/params/s3SecretKey if the secret changed.",
    ),
    (
        _EXPIRED,
        SESSION_EXPIRED,
        "The session token expired or is not valid ({code}) while {doing}. Get fresh temporary "
        "credentials and PATCH /auth/params/s3SessionToken with the new token (and "
        "s3AccessKey/s3SecretKey if they changed too).",
    ),
    (
        _DENIED,
        ACCESS_DENIED,
        "Access denied while {doing}. Grant the credentials s3:ListBucket on the bucket and "
        "s3:GetObject on its objects; if they may read only one folder, set bucketName and "
        "folderPath to it. (A HEAD request cannot tell a wrong secret from a denial.)",
    ),
    (
        _NOT_FOUND,
        NOT_FOUND,
        "Not found while {doing}: the bucket or object does not exist ({code}). Check the path, "
        "bucketName and serviceUrl.",
    ),
)


def _client_error(exc: bx.ClientError, doing: str) -> FlowServiceError:
    error: dict[str, Any] = dict(exc.response.get("Error", {}))
    code = str(error.get("Code", "Unknown"))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    log = f"S3 {code} while {doing}: {error.get('Message', '')}"
    report = {"source-error": code}
    for codes, service_code, template in _USER_ERRORS:
        if code in codes:
            message = template.format(doing=doing, code=code)
            return SourceUserError(service_code, message, report=report, log_message=log)
    if code in _REGION or status == 301:
        return _wrong_region(exc, code, doing, log)
    if code in _TIMEOUT:
        return _timeout(doing, log)
    if code in _UNAVAILABLE or status >= 500:
        return _unavailable(doing, f"the source answered {code}", log)
    message = f"The source refused the request while {doing} ({code})."
    return SourceUserError(SOURCE_REFUSED, message, report=report, log_message=log)


def _wrong_region(exc: bx.ClientError, code: str, doing: str, log: str) -> FlowServiceError:
    headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = headers.get("x-amz-bucket-region") or exc.response.get("Error", {}).get("Region")
    where = f"https://s3.{region}.amazonaws.com" if region else "https://s3.<region>.amazonaws.com"
    return SourceUserError(
        WRONG_REGION,
        f"The bucket is in another region than the endpoint ({code}) while {doing}. "
        f"Set serviceUrl to {where}, or remove serviceUrl to let the service find the region.",
        report={"source-error": code},
        log_message=log,
    )


def _timeout(doing: str, log: str) -> TransientError:
    return TransientError(
        TIMEOUT,
        f"The source did not answer in time while {doing}. Try again later; if it persists, "
        "check serviceUrl and the network path to it.",
        log_message=log,
    )


def _unavailable(doing: str, why: str, log: str) -> TransientError:
    return TransientError(
        UNAVAILABLE,
        f"The source is unavailable while {doing} ({why}). Try again later; if it persists, "
        "check serviceUrl.",
        log_message=log,
    )


def _no_such_name(exc: BaseException) -> bool:
    """Whether a lookup that found no such name is among ``exc``'s causes."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, socket.gaierror) and current.errno in _NO_SUCH_NAME:
            return True
        pending += [getattr(current, "kwargs", {}).get("error"), getattr(current, "reason", None)]
        pending += [current.__cause__, current.__context__]
    return False


def _unresolved(exc: bx.EndpointConnectionError, doing: str, log: str) -> SourceUserError:
    host = urlsplit(str(exc.kwargs.get("endpoint_url", ""))).hostname or "the endpoint"
    return SourceUserError(
        NAME_NOT_RESOLVED,
        f"The host name {host} does not resolve (no such name in DNS) while {doing}. Check "
        "the host in serviceUrl for a typo, or that the name is registered where the service runs.",
        log_message=log,
    )


def _transport_error(exc: Exception, doing: str) -> FlowServiceError | None:
    log = f"{type(exc).__name__} while {doing}: {exc}"
    if isinstance(exc, ResponseParserError):
        return NotS3("with a body that is not S3's XML", log_message=log)
    if isinstance(exc, bx.EndpointConnectionError) and _no_such_name(exc):
        return _unresolved(exc, doing, log)
    if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError | TimeoutError):
        return _timeout(doing, log)
    if isinstance(exc, bx.SSLError):
        return SourceUserError(
            SOURCE_REFUSED,
            f"The TLS connection failed while {doing}. Check that serviceUrl's certificate is "
            "valid for its host name.",
            log_message=log,
        )
    transport = (bx.ConnectionError, bx.HTTPClientError, bx.IncompleteReadError, URLLib3Error)
    if isinstance(exc, (*transport, ConnectionError)):
        return _unavailable(doing, "the connection failed", log)
    if isinstance(exc, bx.ParamValidationError):
        return UserError(OUT_OF_SCOPE, f"The request is not valid while {doing}: {exc}")
    return None


def map_error(exc: BaseException, doing: str) -> BaseException:
    """The service error for ``exc`` raised while ``doing`` (e.g. "listing /b/f/"), or ``exc``."""
    if isinstance(exc, FlowServiceError):
        return exc
    if isinstance(exc, bx.HTTPClientError) and isinstance(exc.kwargs.get("error"), UserError):
        return exc.kwargs["error"]
    if isinstance(exc, bx.ClientError):
        return _client_error(exc, doing)
    if isinstance(exc, Exception):
        return _transport_error(exc, doing) or exc
    return exc


@contextmanager
def source_errors(doing: str) -> Iterator[None]:
    """Run a block of S3 calls, re-raising what they raise as service errors."""
    try:
        yield
    except (bx.BotoCoreError, bx.ClientError, ResponseParserError, URLLib3Error, OSError) as exc:
        mapped = map_error(exc, doing)
        if mapped is exc:
            raise
        raise mapped from exc
