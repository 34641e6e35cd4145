"""The request-context middleware on a minimal app under uvicorn: an unexpected error is a
contract-shaped 500 that still carries the request id and keeps the connection usable."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from flowservice.api.middleware import RequestContextMiddleware
from tests.support.live import serve


def _failing_app() -> FastAPI:
    app = FastAPI()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/fine")
    def fine() -> dict[str, str]:
        return {"ok": "yes"}

    app.add_middleware(RequestContextMiddleware)
    return app


def test_unhandled_error_is_a_1102_500_with_the_request_id() -> None:
    with serve(_failing_app()) as url, httpx.Client(base_url=url) as client:
        response = client.get("/boom", headers={"x-request-id": "req-500"})
        assert client.get("/fine").status_code == 200  # same keep-alive connection
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-500"
    body = response.json()
    assert body["type"].endswith("FLOW-1102-500")
    assert body["report"]["request-id"] == "req-500"
    assert "a bug" not in response.text


def test_trailing_slash_is_dropped_before_routing() -> None:
    with serve(_failing_app()) as url:
        assert httpx.get(f"{url}/fine///").status_code == 200
