"""A unit's liaison on a phone: the header counts a new issue, the notification opens it, and
the unit contests it (申诉) — with CSRF on, as deployed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Issue, IssueState, Notification
from tests.browser.steps import sign_in
from tests.factories import approved

pytestmark = pytest.mark.browser


def test_a_unit_sees_the_count_opens_the_notification_and_contests(live_server, browser, seeded) -> None:
    with seeded.app_context():
        issue = approved({"attitude_score": 1})[0]
        db.session.commit()
        issue_id = issue.id
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, "unit-market", "/issues/")
    badge = page.locator(".mainnav .count")
    expect(badge).to_have_text("1")
    page.get_by_role("link", name="通知 1 条未读").tap()
    page.get_by_role("button", name=f"新交办问题 #{issue_id}").tap()
    page.wait_for_url(f"{live_server}/issues/{issue_id}")
    expect(page.locator(".mainnav .count")).to_have_count(0)  # opened: read
    page.get_by_text("提出申诉").first.tap()
    page.get_by_label("非本单位职责").check()
    page.get_by_label("我们认为的责任单位").select_option(label="县供水有限公司（water）")
    page.get_by_role("textbox", name="理由", exact=True).fill("该窗口由供水公司派驻人员值守")
    page.get_by_role("button", name="提交申诉").tap()
    expect(page.locator("main")).to_contain_text("暂停")
    with seeded.app_context():
        assert db.session.get(Issue, issue_id).state is IssueState.CONTESTED
        told = db.session.scalars(sa.select(Notification.kind).join(Notification.user)
                                  .where(Notification.kind == "issue.contested")).all()
        assert told  # the leaders hear of it
    context.close()
