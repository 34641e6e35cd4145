"""S3 failures → service errors, from botocore's own exceptions built as botocore builds them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import exceptions as bx

from flowservice.errors import SourceUserError, TransientError, UserError
from flowservice.s3.errors import EndpointNotAllowed, map_error, source_errors


def client_error(code: str, status: int, **headers: str) -> bx.ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": f"source says {code}"},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers},
    }
    return bx.ClientError(response, "ListObjectsV2")


@pytest.mark.parametrize(
    ("code", "status", "expected", "kind"),
    [
        ("InvalidAccessKeyId", 403, "1360-400", SourceUserError),
        ("SignatureDoesNotMatch", 403, "1360-400", SourceUserError),
        ("AccessDenied", 403, "1361-403", SourceUserError),
        ("AllAccessDisabled", 403, "1361-403", SourceUserError),
        ("403", 403, "1361-403", SourceUserError),
        ("NoSuchBucket", 404, "1362-404", SourceUserError),
        ("NoSuchKey", 404, "1362-404", SourceUserError),
        ("404", 404, "1362-404", SourceUserError),
        ("ExpiredToken", 400, "1365-400", SourceUserError),
        ("TokenRefreshRequired", 400, "1365-400", SourceUserError),
        ("InvalidToken", 400, "1365-400", SourceUserError),
        ("PermanentRedirect", 301, "1367-400", SourceUserError),
        ("AuthorizationHeaderMalformed", 400, "1367-400", SourceUserError),
        ("301", 301, "1367-400", SourceUserError),
        ("InvalidRange", 416, "1369-400", SourceUserError),
        ("SlowDown", 503, "1380-503", TransientError),
        ("Throttling", 400, "1380-503", TransientError),
        ("InternalError", 500, "1380-503", TransientError),
        ("ServiceUnavailable", 503, "1380-503", TransientError),
        ("502", 502, "1380-503", TransientError),
        ("RequestTimeout", 400, "1381-504", TransientError),
    ],
)
def test_client_errors_map_to_who_must_act(
    code: str, status: int, expected: str, kind: type[Exception]
) -> None:
    mapped = map_error(client_error(code, status), "listing /b/")
    assert isinstance(mapped, kind)
    assert mapped.code == expected  # type: ignore[attr-defined]
    assert "listing /b/" in mapped.message  # type: ignore[attr-defined]
    assert f"source says {code}" not in mapped.message  # type: ignore[attr-defined]
    assert f"source says {code}" in mapped.log_message  # type: ignore[attr-defined]


def test_expired_token_says_to_patch_the_session_token() -> None:
    mapped = map_error(client_error("ExpiredToken", 400), "listing /b/")
    assert "PATCH /auth/params/s3SessionToken" in mapped.message  # type: ignore[attr-defined]


def test_wrong_region_names_the_bucket_region() -> None:
    error = client_error("PermanentRedirect", 301, **{"x-amz-bucket-region": "eu-west-1"})
    mapped = map_error(error, "listing /b/")
    assert "https://s3.eu-west-1.amazonaws.com" in mapped.message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (bx.EndpointConnectionError(endpoint_url="https://x"), "1380-503"),
        (bx.ConnectionClosedError(endpoint_url="https://x"), "1380-503"),
        (bx.ResponseStreamingError(error="reset"), "1380-503"),
        (ConnectionResetError(104, "reset"), "1380-503"),
        (bx.ConnectTimeoutError(endpoint_url="https://x"), "1381-504"),
        (bx.ReadTimeoutError(endpoint_url="https://x"), "1381-504"),
        (bx.SSLError(endpoint_url="https://x", error=OSError("bad cert")), "1369-400"),
    ],
)
def test_transport_errors_map_to_transient_or_tls(exc: Exception, expected: str) -> None:
    mapped = map_error(exc, "reading /b/k")
    assert mapped.code == expected  # type: ignore[attr-defined]


def test_guard_refusal_inside_an_http_client_error_is_unwrapped() -> None:
    refusal = EndpointNotAllowed("no")
    assert map_error(bx.HTTPClientError(error=refusal), "x") is refusal


def test_source_errors_reraises_mapped_and_leaves_others_alone() -> None:
    with pytest.raises(UserError) as caught, source_errors("listing /b/"):
        raise client_error("NoSuchBucket", 404)
    assert caught.value.code == "1362-404"
    assert isinstance(caught.value.__cause__, bx.ClientError)
    with pytest.raises(KeyError), source_errors("x"):
        raise KeyError("a bug stays a bug")
