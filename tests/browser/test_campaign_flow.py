"""Campaigns and re-visits at 390×844, CSRF on: a leader plans and draws a campaign; the drawn
inspector sees the assignment with its cover story once the campaign starts and completes it; a
re-visit for the materials issue, drawn among the other inspectors, judges it fixed and the issue
closes; a second re-visit that could not check leaves its issue open."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Assignment, Category, Issue, IssueState
from app.services import issues
from app.services.calendar import china_today
from tests.browser.steps import answer_and_submit, approve_visit, on_visit_page, sign_in
from tests.factories import approved, user

pytestmark = pytest.mark.browser


def phone_of(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                               locale="zh-CN", timezone_id="Asia/Shanghai").new_page()


def report_fixed(app, issue_id: int) -> None:
    """The unit's step (its own pages are tested elsewhere): measures reported."""
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        issues.report(issue, user(f"unit-{issue.lead_unit.code}"), "已整改：窗口不再索要指南外材料", [],
                      app.extensions["ruwo_storage"])
        db.session.commit()


def approve_latest(desk, base: str) -> None:
    desk.goto(base + "/dashboard/visits/")
    desk.locator("table a").first.click()
    approve_visit(desk)
    expect(desk.locator(".flash")).to_be_visible()


def send_revisit(desk, base: str, issue_id: int) -> None:
    desk.goto(f"{base}/issues/{issue_id}")
    desk.get_by_text("安排复查暗访", exact=True).click()
    expect(desk.get_by_label("复查暗访员")).to_have_value("draw")  # drawn at random unless chosen
    desk.get_by_role("button", name="派发").click()
    expect(desk.get_by_text("已安排复查暗访")).to_be_visible()


def revisit(browser, base: str, app, issue_id: int, verdict: str, screenshot=None) -> None:
    """The inspector drawn for the issue's re-visit makes it and gives ``verdict`` on every point."""
    with app.app_context():
        assignment = db.session.get(Assignment, db.session.get(Issue, issue_id).revisit_assignment_id)
        who = assignment.inspector.username
    page = phone_of(browser)
    sign_in(page, base, who, "/visits/")
    expect(page.locator(".card", has_text=f"复查问题 #{issue_id}")).to_be_visible()
    page.locator(".card", has_text=f"复查问题 #{issue_id}").get_by_role("button", name="开始这次暗访").tap()
    page.wait_for_url(on_visit_page)
    page.get_by_role("button", name="到达").tap()
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url(lambda url: "/checklist" in url)
    expect(page.locator("[data-verdicts]")).to_contain_text("多要材料")
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=False)
    answer_and_submit(page, "5", verdict)
    page.context.close()


def test_a_campaign_drawn_done_and_a_materials_issue_verified_by_revisits(live_server, browser, seeded,
                                                                           screenshot_dir) -> None:
    base = live_server
    today = china_today()  # the app counts campaign days in China's day
    # 1. The leader plans a campaign on a phone: one window drawn from the cloud hall, inspector1.
    desk = phone_of(browser)
    sign_in(desk, base, "leader", "/dashboard/")
    desk.goto(base + "/campaigns/")
    desk.get_by_role("link", name="新建暗访批次").click()
    desk.get_by_label("名称").fill("2026年12月“如我+”暗访")
    desk.get_by_label("开始日期").fill(today.isoformat())
    desk.get_by_label("结束日期").fill((today + timedelta(days=30)).isoformat())
    desk.locator("fieldset", has_text="这些大厅的全部窗口").get_by_label("安远县产城新区云服务大厅").check()
    desk.get_by_label("抽取对象数").fill("1")
    desk.locator("fieldset", has_text="参与抽取的暗访员").get_by_label("暗访员一", exact=False).check()
    desk.screenshot(path=str(screenshot_dir / "campaign-plan-390x844.png"), full_page=True)
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_role("heading", name="2026年12月“如我+”暗访")).to_be_visible()
    desk.get_by_role("button", name="抽取对象和暗访员").click()
    expect(desk.locator("dl.facts")).to_contain_text("已抽取（保密中）")
    inspector = phone_of(browser)
    sign_in(inspector, base, "inspector1", "/visits/")
    expect(inspector.locator("main")).to_contain_text("暂无分配给您的暗访任务")  # sealed until the start
    desk.get_by_role("button", name="开始本批次").click()
    expect(desk.locator("dl.facts")).to_contain_text("进行中")
    expect(desk.locator("table").first).to_contain_text("暗访员一")
    desk.screenshot(path=str(screenshot_dir / "campaign-board-390x844.png"), full_page=True)

    # 2. inspector1 now sees the assignment with its cover story, does it, asks for one extra material.
    inspector.reload()
    card = inspector.locator(".card", has_text="身份设定：")
    expect(card).to_be_visible()
    with seeded.app_context():
        persona = db.session.scalar(sa.select(Assignment.persona).where(Assignment.campaign_id.is_not(None)))
    expect(card).to_contain_text(persona)
    card.get_by_role("button", name="开始这次暗访").tap()
    inspector.wait_for_url(on_visit_page)
    inspector.get_by_role("button", name="到达").tap()
    inspector.get_by_role("link", name="清单 ›").tap()
    inspector.wait_for_url(lambda url: "/checklist" in url)
    inspector.locator("#extra-materials").fill("房东的户口本复印件")
    answer_and_submit(inspector, "4")
    expect(inspector.locator("main")).to_contain_text("等待审核")

    # 3. The leader approves: a materials issue; its unit reports it fixed; a re-visit is drawn.
    approve_latest(desk, base)
    with seeded.app_context():
        materials = db.session.scalar(sa.select(Issue).where(Issue.category == Category.MATERIALS))
        first_id = materials.id
    report_fixed(seeded, first_id)
    send_revisit(desk, base, first_id)

    # 4. The drawn inspector (not inspector1) judges it fixed, going through the matter; it closes.
    revisit(browser, base, seeded, first_id, "已整改", screenshot_dir / "revisit-points-390x844.png")
    approve_latest(desk, base)
    with seeded.app_context():
        closed = db.session.get(Issue, first_id)
        assert closed.state is IssueState.CLOSED and closed.events[-1].kind == "closed_by_revisit"
        assert {o.finding.visit.inspector.username for o in closed.occurrences} == {"inspector1"}

    # 5. Another materials issue; its re-visit could not check the matter: the issue stays open.
    with seeded.app_context():  # at another window than the drawn one (else it reopens the first issue)
        number = db.session.get(Issue, first_id).window.number
        window, item = ("03", "housingfund-withdrawal-purchase") if number == "02" else ("02", "realestate-transfer")
        second = approved(extra=["结婚证"], window=window, hall="安远县产城新区云服务大厅", item=item)
        db.session.commit()
        second_id = next(i.id for i in second if i.category is Category.MATERIALS)
    report_fixed(seeded, second_id)
    send_revisit(desk, base, second_id)
    revisit(browser, base, seeded, second_id, "未能核实")
    approve_latest(desk, base)
    with seeded.app_context():
        still = db.session.get(Issue, second_id)
        assert still.state is IssueState.UNDER_REVIEW and still.revisit_assignment_id is None
        assert db.session.get(Issue, first_id).state is IssueState.CLOSED
    desk.goto(f"{base}/issues/{second_id}")
    expect(desk.locator(".timeline")).to_contain_text("复查未能核实全部要点")
