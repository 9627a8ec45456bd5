"""Helper of photo_pipeline.py: upload one file from a phone-sized Chromium, print body bytes."""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import demo  # noqa: E402
from app.services.accounts import hasher_from_config  # noqa: E402
from config import TestingConfig  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(path: str) -> None:
    folder = Path(tempfile.mkdtemp())
    config = type("C", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.sqlite3"})
    app = create_app(config, instance_path=folder / "instance", environ={})
    with app.app_context():
        db.create_all()
        demo.seed("Bench-pass-2026", hasher_from_config(app.config), reset_passwords=False)
        db.session.commit()
    received: list[int] = []
    inner = app.wsgi_app

    def measure(environ, start_response):  # type: ignore[no-untyped-def]
        if environ["PATH_INFO"].endswith("/photos") and environ["REQUEST_METHOD"] == "POST":
            received.append(int(environ.get("CONTENT_LENGTH") or 0))
        return inner(environ, start_response)

    app.wsgi_app = measure  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(base + "/login")
        page.fill("#username", "inspector1")
        page.fill("#password", "Bench-pass-2026")
        page.click("button.primary")
        page.goto(base + "/visits/start")
        page.get_by_role("link", name="安远县产城新区云服务大厅").click()
        page.get_by_role("link", name="01 企业登记窗口").click()
        page.get_by_role("button", name="有限责任公司设立登记").click()
        page.wait_for_url(lambda url: "/visits/v/" in url and "/login" not in url)
        page.get_by_role("link", name="清单 ›").click()
        page.locator("[data-photo-input='environment_photo']").set_input_files(path)
        expect(page.locator("[data-photo-list='environment_photo'] img")).to_have_attribute(
            "src", __import__("re").compile(r"/thumb\.jpg$"), timeout=60000)
        browser.close()
    server.shutdown()
    print(json.dumps({"uploaded": max(received), "original": Path(path).stat().st_size}))


if __name__ == "__main__":
    main(sys.argv[1])
