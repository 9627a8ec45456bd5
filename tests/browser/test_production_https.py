"""Deployed as a county deploys it: gunicorn, the production configuration, HTTPS, CSRF on.

gunicorn terminates TLS itself here with a certificate this test makes (so no proxy is
trusted: RUWO_PROXY_COUNT=0). Chromium logs in, an inspector submits a visit with a photo
and a leader approves it: every form POST and every JSON call of the phone passes
Flask-WTF's strict HTTPS Referer check.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Photo, Visit, VisitState
from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.steps import answer_and_submit, approve_visit, sign_in, start_company_setup_visit
from tests.photo_samples import encoded

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def https_server(seeded, database_url: str, tmp_path: Path) -> Iterator[str]:
    """gunicorn (2 sync workers) serving the seeded database over HTTPS on loopback."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
        "RUWO_CONFIG": "production", "DATABASE_URL": database_url,
        "SECRET_KEY": "production-test-key-" + "x" * 40, "RUWO_PROXY_COUNT": "0",
        "RUWO_INSTANCE_PATH": seeded.instance_path,
    }
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--certfile", str(certfile), "--keyfile", str(keyfile), "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context()
    ca.configure_trust(context)
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", context=context, timeout=2) as answer:  # noqa: S310
                    assert answer.status == 200
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_inspector_submits_with_a_photo_and_leader_approves_over_https(
        https_server, playwright_instance, seeded, tmp_path) -> None:
    base = https_server
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=[*ARGS, "--ignore-certificate-errors"])
    try:
        device = dict(playwright_instance.devices["iPhone 12"])
        device.pop("default_browser_type", None)
        phone = browser.new_context(**device, locale="zh-CN", permissions=["geolocation"],
                                    geolocation={"latitude": 25.1105, "longitude": 115.4222, "accuracy": 15})
        page = phone.new_page()
        refused: list[str] = []
        page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status in (400, 403) else None)
        sign_in(page, base, "inspector1", "/visits/")
        cookie = next(c for c in phone.cookies() if "ruwo_session" in c["name"])
        assert cookie["name"] == "__Host-ruwo_session" and cookie["secure"] and cookie["httpOnly"]

        start_company_setup_visit(page)
        page.get_by_role("button", name="记录位置").tap()  # the position needs HTTPS on a real phone
        expect(page.locator("[data-position-text]")).to_contain_text("±15")
        page.get_by_role("button", name="到达").tap()
        page.get_by_role("link", name="清单 ›").tap()
        page.wait_for_url(lambda url: "/checklist" in url)
        photo = tmp_path / "hall.jpg"
        photo.write_bytes(encoded("JPEG", (1600, 1200)))
        page.locator("[data-photo-input='environment_photo']").set_input_files(str(photo))
        expect(page.locator("[data-photo-list='environment_photo'] .photo img")).to_have_count(1, timeout=30000)
        page.wait_for_function(
            "() => [...document.querySelectorAll(\"[data-photo-list='environment_photo'] img\")]"
            ".every(img => img.getAttribute('src').endsWith('/thumb.jpg'))", timeout=30000)
        answer_and_submit(page, attitude="1")
        assert "等待审核" in page.content()

        desk_context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
        desk = desk_context.new_page()
        desk.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status in (400, 403) else None)
        sign_in(desk, base, "leader", "/dashboard/")
        desk.get_by_role("link", name="条暗访记录待审核").click()
        desk.locator("table a").first.click()
        approve_visit(desk)
        expect(desk.locator("body")).not_to_contain_text("页面已过期")
        assert refused == []
    finally:
        browser.close()

    with seeded.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert visit.state == VisitState.APPROVED
        assert visit.accuracy_m == 15
        stored = db.session.scalar(sa.select(Photo).where(Photo.visit_id == visit.id))
        assert stored is not None and seeded.extensions["ruwo_storage"].open(stored.storage_key).read()

