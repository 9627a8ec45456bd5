"""The inspector's phone flow in Chromium at 390×844: timer, checklist, materials, submit,
and a session that expires between marks without losing anything."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import MaterialKind, ServiceItem, Visit, VisitState
from tests.browser.steps import on_visit_page, sign_in, start_company_setup_visit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_inspector_times_fills_and_submits_a_visit(live_server, phone, screenshot_dir, seeded) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    start_company_setup_visit(page)
    assert page.title().startswith("备忘")  # the screen in the hall does not say what it is
    for label in ("到达", "取号", "叫号", "办理", "办结"):
        page.get_by_role("button", name=label).tap()
        page.wait_for_timeout(150)
    page.screenshot(path=str(screenshot_dir / "visit-timer-390x844.png"))
    page.get_by_text("已保存", exact=True).wait_for()
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url("**/checklist**")

    def answer(question: str, option: str) -> None:
        page.locator(f"[data-q='{question}']").get_by_text(option, exact=True).tap()

    answer("help_desk_staffed", "是")
    answer("signage_found", "否")
    page.locator("[data-q='people_asked'] input").fill("3")  # shown because signage_found = no
    answer("window_staffed", "是")
    answer("attitude_score", "2")
    answer("rude_language", "否")
    answer("first_contact", "推诿（“不归我管”“不知道”）")
    answer("one_time_notice", "仅口头告知")
    materials = page.locator("[data-q='materials_requested']")
    materials.get_by_role("checkbox", name="公司章程").tap()
    materials.get_by_role("checkbox", name="企业名称预先核准通知书").tap()
    page.locator("#extra-materials").fill("房东的户口本复印件")
    answer("matches_online_guide", "是")
    answer("outcome", "仅咨询")
    answer("fee_asked", "否")
    page.screenshot(path=str(screenshot_dir / "visit-checklist-390x844.png"), full_page=True)
    page.get_by_role("button", name="提交暗访记录").tap()
    page.wait_for_url("**/view")
    assert "等待审核" in page.content()

    with seeded.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert visit.state == VisitState.SUBMITTED
        assert visit.inspector.username == "inspector1"
        assert visit.service_item.code == "market-company-setup"
        assert all(visit.mark(m) for m in ("arrived", "ticket", "called", "served", "finished"))
        assert visit.wait_minutes == 0 and visit.service_minutes == 0
        answers = visit.answers_dict()
        assert answers["signage_found"] is False and answers["people_asked"] == 3
        assert answers["attitude_score"] == 2 and answers["first_contact"] == "deflected"
        kinds = {m.name: m.kind for m in visit.materials}
        assert kinds == {"公司章程": MaterialKind.IN_GUIDE,
                         "企业名称预先核准通知书": MaterialKind.ABOLISHED,
                         "房东的户口本复印件": MaterialKind.EXTRA}
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('ruwo.visit.'))") == []


def test_nothing_lost_when_the_session_expires_between_marks(live_server, phone, seeded) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    start_company_setup_visit(page)
    visit_url = page.url
    page.get_by_role("button", name="到达").tap()
    page.get_by_role("button", name="取号").tap()
    page.get_by_text("已保存", exact=True).wait_for()
    page.close()  # the phone is locked for an hour...

    phone.clear_cookies()  # ...and the session is gone
    page = phone.new_page()
    page.goto(visit_url)
    assert "/login" in page.url
    page.get_by_label("用户名").fill("inspector1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url(on_visit_page)
    expect(page.locator("[data-mark='ticket'] time")).not_to_have_text("—")
    page.get_by_role("button", name="叫号").tap()  # a mark made while the server copy is behind

    # The login ends again before this mark reaches the server: the phone keeps it.
    phone.clear_cookies()
    page.get_by_role("button", name="办理").tap()
    page.get_by_text("登录已过期", exact=False).wait_for()
    relogin = page.get_by_role("link", name="重新登录")
    relogin.tap()
    page.get_by_label("用户名").fill("inspector1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url(on_visit_page)
    expect(page.locator("[data-mark='served'] time")).not_to_have_text("—")
    page.get_by_text("已保存", exact=True).wait_for()

    with seeded.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert visit.state == VisitState.DRAFT
        assert visit.arrived_at and visit.ticket_at and visit.called_at and visit.served_at
        assert visit.finished_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
        assert db.session.scalar(sa.select(ServiceItem.code).where(ServiceItem.id == visit.service_item_id)) == "market-company-setup"


def test_a_mark_made_while_a_save_is_on_its_way_is_sent_after_it(live_server, phone, seeded) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    start_company_setup_visit(page)
    held = []

    def hold_the_first_save(route) -> None:
        if route.request.method == "PUT" and not held:
            held.append(route)  # on its way: the network has not delivered it yet
        else:
            route.continue_()

    page.route("**/visits/api/visits/*", hold_the_first_save)
    page.get_by_role("button", name="到达").tap()
    while not held:
        page.wait_for_timeout(100)
    page.get_by_role("button", name="取号").tap()
    page.wait_for_timeout(1500)  # the debounce ends while the first save is still out
    with page.expect_request(lambda r: r.method == "PUT", timeout=5000):
        held[0].continue_()
    page.get_by_text("已保存", exact=True).wait_for(timeout=5000)

    with seeded.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert visit.arrived_at and visit.ticket_at


def test_nearest_first_sorts_the_halls_by_the_phones_position(live_server, phone) -> None:
    """The hall step's button asks for the position on a tap and lists the nearest hall first."""
    page = phone.new_page()
    sign_in(page, live_server)
    page.get_by_role("link", name="开始暗访").tap()
    # The button works from script: wait until the page (and its deferred scripts) has loaded.
    page.wait_for_url(f"{live_server}/visits/start", wait_until="load")
    page.get_by_role("button", name="按距离排序（使用定位）").tap()
    page.wait_for_url(lambda url: "lat=25.1105" in url and "lon=115.4222" in url)
    first = page.locator("ul.choices a.choice").first
    expect(first).to_contain_text("安远县产城新区云服务大厅")
    expect(first).to_contain_text("公里")
