"""Real servers on loopback that are not S3: a web site, and one that accepts but never answers.

They stand for what users point serviceUrl at by mistake (a console port, a proxy's page) or
what a broken network path looks like (a firewall that accepts and drops).
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PAGE = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body>Hi</body></html>"


class _Page(http.server.BaseHTTPRequestHandler):
    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(PAGE)

    def do_HEAD(self) -> None:
        self._answer(b"")

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def web_site() -> Iterator[str]:
    """An HTTP server answering every GET with ``200`` and an HTML page; yields its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class BlackHole:
    """Accepts TCP connections and never sends a byte; counts the connections."""

    url: str
    _accepted: list[socket.socket] = field(default_factory=list)

    @property
    def connections(self) -> int:
        return len(self._accepted)


@contextmanager
def black_hole() -> Iterator[BlackHole]:
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    hole = BlackHole(f"http://127.0.0.1:{listener.getsockname()[1]}")

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            hole._accepted.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield hole
    finally:
        listener.close()
        for conn in hole._accepted:
            conn.close()
