"""The archive and the issue list read on a phone (cards under 600 px) and on a desk (a table)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser.steps import sign_in
from tests.factories import approved, make_visit, submitted

pytestmark = pytest.mark.browser


@pytest.fixture
def county(seeded):
    with seeded.app_context():
        make_visit(inspector="inspector2", window="02", item="realestate-transfer")
        submitted()
        approved({"attitude_score": 1}, extra=["房东户口本复印件"])
        db.session.commit()
    return seeded


@pytest.mark.parametrize(("width", "height", "cards"), [(390, 844, True), (1280, 800, False)])
def test_the_archive_and_issue_list_as_cards_on_a_phone_and_tables_on_a_desk(
        live_server, browser, county, screenshot_dir, width, height, cards) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    sign_in(page, live_server, "leader", "/dashboard/")
    for path, name in (("/archive/", "archive"), ("/issues/all", "issues")):
        page.goto(live_server + path)
        rows = page.locator("table.cards-on-phone tbody tr")
        expect(rows.first).to_be_visible()
        assert rows.first.evaluate("r => getComputedStyle(r).display") == ("block" if cards else "table-row")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the side
        if cards:
            expect(rows.first.locator("td").first).to_be_visible()
            label = rows.first.locator("td").nth(1).evaluate("td => getComputedStyle(td, '::before').content")
            assert label.strip('"') in ("窗口：", "问题类别：")
        page.screenshot(path=str(screenshot_dir / f"{name}-{width}x{height}.png"), full_page=True)
    context.close()
