"""The phone's figures, counted by a scripted Chromium run at 390×844: taps in the hall (from
an assignment, and without one: before going in and inside), taps for a unit's report
(measures and one photo), and the checklist's length in screens.

The same flows are asserted in tests/browser/test_taps.py; this prints the figures and adds
them to bench/results.json. Needs Debian's Chromium (apt-get install chromium).

    make bench-phone
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import demo  # noqa: E402
from app.services.accounts import hasher_from_config  # noqa: E402
from bench._server import record  # noqa: E402
from config import TestingConfig  # noqa: E402
from tests.browser.conftest import ARGS, CHROMIUM  # noqa: E402
from tests.browser.steps import Taps, on_visit_page, sign_in, start_company_setup_visit, time_the_visit  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402
from tests.factories import approved, started_campaign  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCREEN = 844


def serve(folder: Path) -> str:
    config = type("PhoneBench", (TestingConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "WTF_CSRF_ENABLED": True})
    app = create_app(config, instance_path=folder / "instance", environ={})
    with app.app_context():
        db.create_all()
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        approved({"attitude_score": 1}, wait=5)  # an issue for the market bureau to report on
        started_campaign()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="ruwo-phone-"))
    base = serve(folder)
    photo = folder / "board.jpg"
    Image.effect_noise((800, 600), 40).convert("RGB").save(photo, "JPEG", quality=85)
    figures: dict[str, object] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        device = {**p.devices["iPhone 12"], "viewport": {"width": 390, "height": SCREEN}}
        device.pop("default_browser_type", None)
        phone = browser.new_context(**device, permissions=["geolocation"], locale="zh-CN",
                                    geolocation={"latitude": 25.1105, "longitude": 115.4222, "accuracy": 15})
        page = phone.new_page()
        sign_in(page, base)
        page.wait_for_load_state("load")
        taps = Taps()
        start = page.locator("#assignments li").filter(has_text="身份设定").first.get_by_role("button")
        taps.tap(start)
        page.wait_for_url(on_visit_page, wait_until="load")
        time_the_visit(page, taps)
        figures["taps in the hall, from an assignment"] = taps.count
        taps.choose(page.get_by_label("拍照"), str(photo))
        figures["taps for a photo from the timer"] = taps.count - figures["taps in the hall, from an assignment"]

        page.goto(base + "/visits/", wait_until="load")
        taps = Taps()
        start_company_setup_visit(page, taps)
        before = taps.count
        time_the_visit(page, taps)
        figures["taps before going in, without an assignment"] = before
        figures["taps in the hall, without an assignment"] = taps.count - before
        page.get_by_role("link", name="清单 ›").tap()
        page.wait_for_url(lambda url: "/checklist" in url, wait_until="load")
        height = page.evaluate("document.documentElement.scrollHeight")
        figures["checklist length (screens of 844 px)"] = round(height / SCREEN, 1)

        unit = browser.new_context(**device, locale="zh-CN").new_page()
        sign_in(unit, base, "unit-market", "/issues/")
        taps = Taps()
        taps.tap(unit.get_by_role("link", name="服务态度差").first)
        taps.tap(unit.get_by_role("button", name="开始整改"))
        taps.tap(unit.get_by_label("整改措施"))
        unit.get_by_label("整改措施").fill("对窗口人员约谈，开展服务礼仪培训")  # typed, not tapped
        taps.choose(unit.locator("input[name=evidence]"), str(photo))
        taps.tap(unit.get_by_role("button", name="提交反馈"))
        unit.get_by_text("已反馈整改措施").wait_for()
        figures["taps for a unit's report (measures typed, one photo)"] = taps.count
        browser.close()
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    record("phone", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
