"""The real app under uvicorn in a thread, on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from flowservice.api import create_app
from flowservice.services import Services
from flowservice.settings import Settings
from flowservice.storage.migrate import upgrade

BASE_PATH = "/data/foundation/flowservice"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    settings: Settings
    services: Services
    root_url: str
    backend: str
    app: FastAPI

    @property
    def api_url(self) -> str:
        return self.root_url + BASE_PATH


@contextmanager
def live_server(settings: Settings, backend: str) -> Iterator[LiveServer]:
    services = Services.build(settings)
    upgrade(services.db)
    app = create_app(settings, services)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=settings.port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait_started(server)
        yield LiveServer(settings, services, f"http://127.0.0.1:{settings.port}", backend, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        services.close()


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Any ASGI app under uvicorn on a free loopback port; yields its root URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait_started(server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _wait_started(server: uvicorn.Server, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start in time")
        time.sleep(0.02)
