"""An inspector logs in on a phone and lands on the home page, in Chinese."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_inspector_logs_in_on_a_phone(live_server, phone, screenshot_dir) -> None:
    page = phone.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")
    assert page.viewport_size == {"width": 390, "height": 844}
    page.get_by_label("用户名").fill("inspector1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url(live_server + "/visits/")
    assert page.get_by_role("heading", level=1).inner_text() == "我的暗访"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.screenshot(path=str(screenshot_dir / "inspector-home-390x844.png"), full_page=True)

    # Readable on the phone: nothing wider than the screen, every control a 44 px target.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    small = page.evaluate("""() => [...document.querySelectorAll('a, button, input:not([type=hidden])')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == []
    assert all(url.startswith(live_server) for url in requests), "third-party request"


def test_wrong_password_message_on_a_phone(live_server, phone) -> None:
    page = phone.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("inspector1")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").tap()
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误。"


def test_language_switch_on_a_phone(live_server, phone) -> None:
    page = phone.new_page()
    page.goto(live_server + "/login")
    with page.expect_navigation():
        page.get_by_role("button", name="English").tap()
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    page.get_by_label("User name").fill("leader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").tap()
    page.wait_for_url(live_server + "/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
