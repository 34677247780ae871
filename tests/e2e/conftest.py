"""Browser fixtures: the real app served on a free local port, driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def live_app(make_app: Callable[..., Flask]) -> Flask:
    """The app with CSRF on, exactly as people use it, on a clean test database."""
    from tests.conftest import clean_database

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        clean_database()
    return app


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the app on a free port in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium from Debian's package; the test is skipped when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"Browser test skipped: no Chromium at {CHROMIUM}. Install it with `make browser` (apt).")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def new_page(browser: object) -> Iterator[Callable[[], object]]:
    """Open pages in fresh browser contexts (one per person, so cookies never mix)."""
    contexts = []

    def open_page() -> object:
        context = browser.new_context()
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
