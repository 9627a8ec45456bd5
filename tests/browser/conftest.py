"""Playwright with Debian's Chromium at a phone viewport, against a live server."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import require

CHROMIUM = os.environ.get("RUWO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def app(app_factory):
    """Browsers post real forms: CSRF protection is on, as deployed."""
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(seeded) -> Iterator[str]:
    """The seeded app served on a free loopback port in a thread.

    Teardown waits for the requests still in flight (a service worker may still be filling
    its cache when the test ends): on PostgreSQL, dropping the tables under a request that
    holds a lock on them deadlocks.
    """
    server = make_server("127.0.0.1", 0, seeded, threaded=True)
    server.daemon_threads = False  # request threads are tracked, so server_close joins them
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    closing = threading.Thread(target=server.server_close, daemon=True)
    closing.start()
    closing.join(timeout=15)  # a keep-alive connection a browser still holds must not hang


@pytest.fixture(scope="session")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        require(False, "the playwright package is not installed")
    require(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def phone(playwright_instance, browser):
    """A new iPhone-12-sized touch context (390×844) with geolocation in Anyuan."""
    device = dict(playwright_instance.devices["iPhone 12"])
    device.pop("default_browser_type", None)  # it says webkit; we drive Chromium
    device["viewport"] = {"width": 390, "height": 844}  # the whole screen, no browser bars
    context = browser.new_context(
        **device, permissions=["geolocation"], locale="zh-CN", timezone_id="Asia/Shanghai",
        geolocation={"latitude": 25.1105, "longitude": 115.4222, "accuracy": 15},  # 产城新区云服务大厅
    )
    yield context
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
