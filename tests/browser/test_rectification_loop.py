"""The whole loop in Chromium at a phone viewport: inspector submits → leader approves → unit
reports with a photo → leader assigns a re-visit → another inspector passes it → closed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Issue, IssueState
from tests.browser.steps import approve_visit, fill_and_submit, on_visit_page, sign_in, start_company_setup_visit
from tests.photo_samples import encoded

pytestmark = pytest.mark.browser


def test_the_whole_rectification_loop(live_server, phone, browser, seeded, tmp_path) -> None:
    base = live_server
    # 1. inspector1 visits the company-registration window and meets a poor attitude.
    page = phone.new_page()
    sign_in(page, base)
    start_company_setup_visit(page)
    fill_and_submit(page, "1")

    # 2. The leader approves it: the finding becomes an issue for the market bureau.
    leader = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    desk = leader.new_page()
    sign_in(desk, base, "leader", "/dashboard/")
    desk.get_by_role("link", name="条暗访记录待审核").click()
    desk.locator("table a").first.click()
    expect(desk.get_by_text("服务态度差").first).to_be_visible()
    approve_visit(desk)

    # 3. The unit reports its measures with a photo, on its own phone-sized screen.
    unit_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    unit = unit_context.new_page()
    sign_in(unit, base, "unit-market", "/issues/")
    unit.get_by_role("link", name="服务态度差").click()
    unit.get_by_role("button", name="开始整改").click()
    unit.get_by_label("整改措施").fill("对窗口人员约谈，开展服务礼仪培训")
    evidence = tmp_path / "training.jpg"
    evidence.write_bytes(encoded("JPEG", (1200, 900)))
    unit.locator("input[name=evidence]").set_input_files(str(evidence))
    unit.get_by_role("button", name="提交反馈").click()
    expect(unit.get_by_text("已反馈整改措施")).to_be_visible()
    expect(unit.locator(".timeline img")).to_have_count(1)

    # 4. The leader assigns a re-visit to another inspector.
    desk.goto(base + "/issues/all")
    desk.get_by_role("link", name="服务态度差").click()
    desk.get_by_text("安排复查暗访").click()
    desk.get_by_label("复查暗访员").select_option(label="暗访员三（县燃气有限公司）")
    desk.get_by_role("button", name="派发").click()
    expect(desk.get_by_text("已安排复查暗访")).to_be_visible()

    # 5. inspector3 does the re-visit and finds the window fixed.
    revisit_context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                          locale="zh-CN")
    phone3 = revisit_context.new_page()
    sign_in(phone3, base, "inspector3", "/visits/")
    phone3.get_by_role("button", name="开始这次暗访").tap()
    phone3.wait_for_url(on_visit_page)
    fill_and_submit(phone3, "5", verdict="已整改")

    # 6. The leader approves the re-visit: the issue is closed out.
    desk.goto(base + "/dashboard/visits/")
    desk.locator("table a").first.click()
    approve_visit(desk)
    with seeded.app_context():
        issue = db.session.scalar(sa.select(Issue).where(Issue.title == "服务态度差"))
        assert issue.state == IssueState.CLOSED
        assert [e.kind for e in issue.events][-1] == "closed_by_revisit"
    unit.reload()
    expect(unit.locator(".timeline")).to_contain_text("已销号")
    expect(unit.locator("main")).not_to_contain_text("复查")  # a unit never learns of the re-visit
    for context in (leader, unit_context, revisit_context):
        context.close()
