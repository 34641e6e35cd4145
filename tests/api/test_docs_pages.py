"""/docs and /redoc render in a real headless browser with no request leaving loopback.

The browser is Debian's Chromium (``apt-get install chromium``), driven by Playwright. Without
it these tests skip, unless ``FLOWSERVICE_TEST_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.support.live import LiveServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium phones home at start (Google's hosts).
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        if os.environ.get("FLOWSERVICE_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required in CI: apt-get install chromium", pytrace=False)
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", ".opblock"), ("/redoc", "[data-section-id^='tag/connections']")],
    ids=["swagger-ui", "redoc"],
)
def test_docs_page_renders_with_nothing_fetched_from_outside(
    live: LiveServer, browser: Browser, path: str, rendered: str
) -> None:
    outside: list[str] = []
    errors: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOOPBACK:
            outside.append(url)
            route.abort()
        else:
            route.continue_()

    page = browser.new_page()
    try:
        page.route("**/*", only_loopback)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live.root_url + path)
        page.wait_for_selector(rendered, timeout=30_000)
        assert "connections" in page.inner_text("body")
    finally:
        page.close()
    assert outside == []
    assert errors == []


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_forbid_other_origins(live: LiveServer, path: str) -> None:
    response = httpx.get(live.root_url + path)
    assert response.status_code == 200
    assert "cdn." not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
