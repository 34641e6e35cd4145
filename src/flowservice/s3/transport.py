"""The HTTP transport of S3 clients, with the endpoint guard applied to every connected socket.

botocore lets a ``before-send`` handler return the response itself. Each S3 client gets one
handler that sends the request through a :class:`GuardedSession`: botocore's own
``URLLib3Session`` whose connection classes check ``sock.getpeername()`` right after the TCP
connect, before TLS and before a byte of the request is written. Checking the connected peer
(rather than resolving the name separately) leaves no window for DNS rebinding. Retries,
timeouts, proxies and error translation stay botocore's.

The pools also enforce the request's deadline (:mod:`flowservice.deadlines`): each connect and
read waits at most the time left, and no request is sent once it has passed.

Like botocore, the session honours ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` for the client's
endpoint. Through a proxy the connected peer is the proxy, so a proxy on a private address must
be allowed in ``FLOWSERVICE_ALLOWED_ENDPOINTS``; the target itself is then only checked when the
connection is created or patched.
"""

from __future__ import annotations

import functools
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from botocore.awsrequest import (
    AWSHTTPConnection,
    AWSHTTPConnectionPool,
    AWSHTTPSConnection,
    AWSHTTPSConnectionPool,
    AWSPreparedRequest,
    AWSResponse,
)
from botocore.exceptions import HTTPClientError
from botocore.httpsession import URLLib3Session
from urllib3.connection import HTTPConnection
from urllib3.util.timeout import Timeout

from flowservice.deadlines import remaining
from flowservice.s3.config import ClientOptions
from flowservice.s3.endpoint import EndpointPolicy
from flowservice.s3.errors import DeadlineExceeded, EndpointNotAllowed

if TYPE_CHECKING:
    from botocore.client import BaseClient

__all__ = ["GuardedSession", "install_guard"]


def _checked(
    sock: socket.socket, host: str, port: int, policy: EndpointPolicy, tls: bool
) -> socket.socket:
    """Return ``sock`` if its peer may be talked to, else close it and refuse."""
    try:
        policy.check_peer(host, port, str(sock.getpeername()[0]), tls=tls)
    except BaseException:
        sock.close()
        raise
    return sock


# urllib3 refuses a zero read timeout; this is "already late" for a request that just started.
_LATE = 0.001


def _within_deadline(requested: object, default: Timeout) -> object:
    """The timeout for one request: the pool's (or the request's), capped at the time left."""
    left = remaining()
    if left is None:
        return requested
    base = requested if isinstance(requested, Timeout) else default
    cap = max(left, _LATE)
    connect, read = base.connect_timeout, base.read_timeout
    return Timeout(
        connect=min(connect, cap) if isinstance(connect, int | float) else cap,
        read=min(read, cap) if isinstance(read, int | float) else cap,
    )


class _DeadlinePool:
    """Mixed into the pools: every ``urlopen`` waits at most until the request's deadline."""

    timeout: Timeout

    def urlopen(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if remaining() is not None:
            kwargs["timeout"] = _within_deadline(kwargs.get("timeout"), self.timeout)
        return super().urlopen(method, url, *args, **kwargs)  # type: ignore[misc]


@functools.lru_cache(maxsize=8)
def _pool_classes(policy: EndpointPolicy) -> dict[str, type]:
    class GuardedHTTPConnection(AWSHTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _checked(super()._new_conn(), self.host, self.port, policy, False)

    class GuardedHTTPSConnection(AWSHTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _checked(super()._new_conn(), self.host, self.port, policy, True)

    class GuardedHTTPConnectionPool(_DeadlinePool, AWSHTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSConnectionPool(_DeadlinePool, AWSHTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}


class GuardedSession(URLLib3Session):
    """botocore's HTTP session, refusing peers that ``policy`` does not allow."""

    def __init__(
        self,
        policy: EndpointPolicy,
        options: ClientOptions,
        verify: bool | str,
        proxies: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            verify=cast(bool, verify),
            proxies=proxies,
            timeout=cast(int, (options.connect_timeout, options.read_timeout)),
            socket_options=cast(list[str], HTTPConnection.default_socket_options),
        )
        # The one private attribute used: botocore shares this dict with its pool managers,
        # which create pools lazily, so updating it before the first request is enough.
        vars(self)["_pool_classes_by_scheme"].update(_pool_classes(policy))

    def send(self, request: AWSPreparedRequest | Any) -> AWSResponse:
        left = remaining()
        if left is not None and left <= 0:
            # Raised from here botocore neither wraps nor retries it.
            raise DeadlineExceeded()
        try:
            return super().send(request)
        except HTTPClientError as exc:
            inner = exc.kwargs.get("error")
            if isinstance(inner, EndpointNotAllowed):
                raise inner from None
            raise


def install_guard(client: BaseClient, session: GuardedSession) -> None:
    """Send every request of ``client`` through ``session``."""

    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        return session.send(request)

    client.meta.events.register_first("before-send", cast(Any, send), unique_id="flowservice-guard")
