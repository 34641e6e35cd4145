"""A real HTTP proxy in front of an S3 server that answers some object GETs with 503 SlowDown.

It forwards every request byte for byte, Host header included (so SigV4 signatures still hold),
except the GETs of object keys it chooses to fail: those get S3's own throttling answer, which
botocore's standard retry mode retries with backoff. It stands for a throttled or briefly failing
S3 endpoint.
"""

from __future__ import annotations

import http.client
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


@dataclass
class Flaky:
    """What the proxy fails: ``first`` GETs of each key fail, or ``always`` while set."""

    url: str
    first: int = 0
    always: bool = False
    failed: int = 0
    _seen: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def should_fail(self, method: str, path: str, query: str) -> bool:
        if method != "GET" or "list-type" in query or path.count("/") < 2:
            return False  # listings and bucket calls go through
        with self._lock:
            seen = self._seen.get(path, 0)
            self._seen[path] = seen + 1
            fail = self.always or seen < self.first
            if fail:
                self.failed += 1
            return fail


@contextmanager
def flaky_proxy(upstream: str) -> Iterator[Flaky]:
    target = urllib.parse.urlsplit(upstream)
    state = Flaky("")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            if state.should_fail(self.command, parts.path, parts.query):
                self.send_response(503)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(SLOW_DOWN)))
                self.end_headers()
                self.wfile.write(SLOW_DOWN)
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                connection.putrequest(self.command, self.path, skip_host=True,
                                      skip_accept_encoding=True)  # fmt: skip
                for name, value in self.headers.items():
                    connection.putheader(name, value)
                connection.endheaders(body)
                answer = connection.getresponse()
                data = answer.read()
            finally:
                connection.close()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
