"""Domain errors. They carry the wire code and know nothing about HTTP frameworks.

The tree, by who must act::

    FlowServiceError            code "NNNN-SSS"; the HTTP status is SSS
    ├── UserError               the caller must change the request or the connection
    │   ├── NotFoundError       1101-404, scoped to the caller's org and sandbox
    │   └── SourceUserError     the source (S3) refused: fix credentials, bucket, path
    ├── TransientError          the source or store is briefly unavailable: retry with backoff
    └── InternalError           a bug (1102-500); never raised for bad input

    GatewayError                a failure at the "gateway" (auth headers), rendered in the
                                gateway's smaller body ``{"error_code", "message"}``

Every error has ``message`` (safe to show the user: never a secret) and optionally
``log_message`` (for the operator's log; also never a secret).
"""

from __future__ import annotations

from typing import Any

from flowservice import codes

__all__ = [
    "FlowServiceError",
    "GatewayError",
    "InternalError",
    "NotFoundError",
    "SourceUserError",
    "TransientError",
    "UserError",
]


class FlowServiceError(Exception):
    """An error with a Flow Service code such as ``1404-412``."""

    title = "Bad request"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        title: str | None = None,
        report: dict[str, Any] | None = None,
        log_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.report = dict(report or {})
        self.log_message = log_message or message
        if title is not None:
            self.title = title

    @property
    def status(self) -> int:
        """The HTTP status, taken from the code's suffix (``1404-412`` → 412)."""
        return int(self.code.rsplit("-", 1)[1])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class UserError(FlowServiceError):
    """The request cannot succeed as sent; the caller must change it."""


class NotFoundError(UserError):
    title = "Resource not found"

    def __init__(self, resource_type: str, resource_id: str) -> None:
        super().__init__(
            codes.NOT_FOUND,
            f"The requested {resource_type} resource {resource_id} is not found. "
            "Verify the resource ID before trying again.",
            report={"id": resource_id, "type": resource_type},
        )


class SourceUserError(UserError):
    """The source refused the request: the connection's settings must be fixed."""

    title = "Source refused the request"


class TransientError(FlowServiceError):
    """A passing failure of the source or the store; the same call may succeed later."""

    title = "Source temporarily unavailable"


class InternalError(FlowServiceError):
    title = "Internal server error"

    def __init__(self, message: str = "An internal error occurred. Try again later.") -> None:
        super().__init__(codes.INTERNAL, message)


class GatewayError(Exception):
    """A failure at the authentication gateway, rendered as ``{"error_code", "message"}``."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
