"""Browser fixtures: the real app served on a free local port, driven by Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS") or tempfile.gettempdir())  # /tmp here


class Clock:
    """The app's clock: the real time plus an offset the test moves forward (time passes without waiting)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        """What the app reads as the current time (aware UTC)."""
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Let `delta` pass for the app."""
        self.offset += delta


@pytest.fixture
def clock() -> Clock:
    """The live app's clock (its CLOCK setting), starting at the real time."""
    return Clock()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Remember each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def live_app(make_app: Callable[..., Flask], clock: Clock) -> Flask:
    """The app with CSRF on, exactly as people use it, on a clean test database, reading time from `clock`."""
    from tests.conftest import clean_database

    app = make_app(WTF_CSRF_ENABLED=True, CLOCK=clock.now)
    with app.app_context():
        clean_database()
    return app


@pytest.fixture
def demo_app(live_app: Flask) -> Flask:
    """The live app with the demo organisation loaded."""
    from mentoring.services.demo import loader

    with live_app.app_context():
        loader.seed_demo()
    return live_app


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
def browser_errors() -> list[str]:
    """Console errors (CSP violations included) and uncaught script errors of every page the test opened."""
    return []


def _keep_error(errors: list[str], url: str, message: object) -> None:
    """Keep a console error, except the browser's own request for /favicon.ico (the site has no icon)."""
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        errors.append(f"{url}: {message.text}")


@pytest.fixture
def new_page(
    browser: object, browser_errors: list[str], request: pytest.FixtureRequest
) -> Iterator[Callable[..., object]]:
    """Open pages in fresh browser contexts (one per person, so cookies never mix); screenshots if the test fails.

    Keyword arguments go to the context, e.g. `new_page(java_script_enabled=False)` for a person without JavaScript.
    """
    contexts = []

    def open_page(**context_options: object) -> object:
        context = browser.new_context(**context_options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: _keep_error(browser_errors, page.url, message))
        page.on("pageerror", lambda error: browser_errors.append(f"{page.url}: {error}"))
        return page

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for number, context in enumerate(contexts, start=1):
            for page in context.pages:
                path = SCREENSHOTS / f"e2e-{stem}-{number}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"Screenshot of person {number}'s page {page.url}: {path}")
    for context in contexts:
        context.close()
