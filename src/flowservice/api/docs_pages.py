"""``/docs`` (Swagger UI) and ``/redoc``, working on a closed network.

FastAPI's own pages load Swagger UI's and ReDoc's scripts, styles and favicon from public CDNs,
so a self-hosted service without internet access shows a blank page. Here the assets come from
the ``fastapi-offline`` package (which ships them) and are served by the service itself, and a
Content-Security-Policy keeps the pages from fetching anything elsewhere: ReDoc's sidebar badge,
for one, is an image on a CDN, which the policy blocks before any request is made.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

__all__ = ["ASSETS_URL", "install_docs_pages"]

ASSETS_URL = "/static-offline-docs"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"
# The pages' own inline bootstrap scripts and styles need 'unsafe-inline'; ReDoc runs its
# search in a blob: worker. Nothing may come from another origin.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'"
)


def _page(html: HTMLResponse) -> HTMLResponse:
    html.headers["Content-Security-Policy"] = CSP
    return html


def install_docs_pages(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """Mount the assets and add the two pages (not part of the OpenAPI document)."""
    app.mount(ASSETS_URL, StaticFiles(directory=_ASSETS), name="docs-assets")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _page(
            get_swagger_ui_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            )
        )

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _page(
            get_redoc_html(
                openapi_url=f"{root}{openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )

    app.add_api_route("/docs", swagger_ui, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
