"""With no signal: the app opens from what the service worker kept, a visit is started, timed,
filled, photographed and submitted, it waits in the phone's queue, and reaches the server
exactly once when the connection returns — also after the tab was closed and after the login
ended meanwhile. Logging out purges what the worker kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from app.extensions import db
from app.models import Photo, Visit, VisitState
from tests.browser.steps import answer_all, on_visit_page, sign_in, start_company_setup_visit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

QUEUED_ONE = "1 条暗访记录等待上传"


def wait_for(page, expression: str, seconds: float = 30) -> None:
    """Poll ``expression`` (page.wait_for_function evaluates strings, which the CSP forbids)."""
    for _ in range(int(seconds * 5)):
        try:
            if page.evaluate(expression):
                return
        except PlaywrightError:  # a navigation in between: ask the next page
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"still false: {expression}")


def offline_ready(page) -> None:
    """Wait until the worker controls the page and has kept what the home page lists."""
    wait_for(page, "navigator.serviceWorker.controller !== null")
    wait_for(page, "document.documentElement.dataset.offlineReady === '1'")


def go_offline(phone) -> None:
    """No signal. Chromium's offline emulation can let through a request that a service worker
    passes on to the network, so every request to the server is also cut off by hand (what the
    worker kept is answered from its cache, not the network)."""
    phone.route("**/*", lambda route: route.abort("internetdisconnected"))
    phone.set_offline(True)


def go_online(phone) -> None:
    phone.set_offline(False)
    phone.unroute("**/*")


def photo_file(tmp_path) -> str:
    path = tmp_path / "IMG_0001.jpg"
    Image.effect_noise((800, 600), 40).convert("RGB").save(path, "JPEG", quality=85)
    return str(path)


def visit_queued_offline(phone, page, live_server, tmp_path) -> str:
    """Online once, then offline: open the app, start, time, fill, photograph and submit."""
    sign_in(page, live_server)
    offline_ready(page)
    go_offline(phone)
    page.goto(live_server + "/visits/")
    expect(page.get_by_role("heading", name="我的暗访")).to_be_visible()
    start_company_setup_visit(page)
    for label in ("到达", "取号", "叫号", "办理", "办结"):
        page.get_by_role("button", name=label).tap()
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url(lambda url: "/checklist" in url)
    # The page kept for any visit names this one's window and matter, with the guide's materials.
    expect(page.locator("[data-where]")).to_contain_text("01 企业登记窗口 · 有限责任公司设立登记")
    page.locator("[data-q='materials_requested']").get_by_role("checkbox", name="公司章程").tap()
    answer_all(page, "4")
    page.locator("[data-photo-input='environment_photo']").set_input_files(photo_file(tmp_path))
    expect(page.locator("[data-photo-list='environment_photo'] .photo")).to_have_count(1)
    page.get_by_role("button", name="提交暗访记录").tap()
    expect(page.locator("#sync")).to_contain_text("已在本机提交")
    expect(page.locator("#queue")).to_contain_text(QUEUED_ONE)
    return page.url


def wait_until_submitted(page, seeded) -> None:
    for _ in range(100):
        with seeded.app_context():
            if db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
                    Visit.state == VisitState.SUBMITTED)):
                break
        page.wait_for_timeout(200)
    page.wait_for_timeout(1500)  # a second copy would arrive meanwhile


def assert_sent_once(seeded) -> None:
    with seeded.app_context():
        visits = db.session.scalars(sa.select(Visit)).all()
        assert [v.state for v in visits] == [VisitState.SUBMITTED]
        assert visits[0].service_item.code == "market-company-setup"
        assert {m.name for m in visits[0].materials} == {"公司章程"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 1
        assert db.session.scalar(sa.select(Photo.visit_id)) == visits[0].id


def test_offline_visit_is_queued_and_sent_once_back_online(live_server, phone, seeded, tmp_path,
                                                           screenshot_dir) -> None:
    page = phone.new_page()
    visit_url = visit_queued_offline(phone, page, live_server, tmp_path)

    page.reload()  # still offline: the kept page, this visit, still queued
    assert on_visit_page(page.url) and page.url == visit_url
    expect(page.locator("#queue")).to_contain_text(QUEUED_ONE)
    expect(page.locator("#sync")).to_contain_text("已在本机提交")
    expect(page.get_by_role("button", name="提交暗访记录")).to_be_disabled()
    page.locator("#queue").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "offline-visit-queued-390x844.png"))

    page.goto(live_server + "/visits/")
    expect(page.locator("#queue")).to_contain_text(QUEUED_ONE)
    expect(page.locator("[data-queue-login]")).to_be_hidden()  # no signal is not a login to renew
    expect(page.locator("#drafts")).to_contain_text("已在本机提交，等待上传")
    page.screenshot(path=str(screenshot_dir / "offline-home-queue-390x844.png"))
    with seeded.app_context():
        # Nothing submitted while offline. (Chromium's offline emulation has, rarely under load, let
        # an autosave through even with every request cut off by hand; a draft is harmless here.)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
            Visit.state != VisitState.DRAFT)) == 0

    go_online(phone)  # the page sends the queue on "online"
    wait_until_submitted(page, seeded)
    expect(page.locator("#queue")).to_be_hidden()
    assert_sent_once(seeded)
    page.reload()
    expect(page.locator("#queue")).to_be_hidden()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('ruwo.visit.'))") == []
    assert_sent_once(seeded)


def test_tab_closed_offline_and_reopened_online(live_server, phone, seeded, tmp_path) -> None:
    page = phone.new_page()
    visit_queued_offline(phone, page, live_server, tmp_path)
    page.close()
    go_online(phone)
    page = phone.new_page()
    page.goto(live_server + "/visits/")  # opening the app sends the queue
    wait_until_submitted(page, seeded)
    expect(page.locator("#queue")).to_be_hidden()
    assert_sent_once(seeded)


def test_login_ended_meanwhile_asks_to_log_in_then_sends_once(live_server, phone, seeded, tmp_path) -> None:
    page = phone.new_page()
    visit_queued_offline(phone, page, live_server, tmp_path)
    phone.clear_cookies()  # the session ended while the phone had no signal
    go_online(phone)
    expect(page.locator("#sync")).to_contain_text("登录已过期", timeout=20000)
    page.locator("#relogin a").tap()
    page.get_by_label("用户名").fill("inspector1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").tap()
    page.wait_for_url("**/view", timeout=20000)  # back on the visit, which the queue then sent
    assert_sent_once(seeded)
    page.goto(live_server + "/visits/")
    expect(page.locator("#queue")).to_be_hidden()
    assert_sent_once(seeded)


def test_logout_purges_what_the_worker_kept(live_server, phone, seeded) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    offline_ready(page)
    kept = "caches.open('ruwo-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
    assert "/visits/" in page.evaluate(kept)
    page.get_by_role("button", name="退出登录").tap()
    page.wait_for_url("**/login")
    wait_for(page, "document.documentElement.dataset.offlinePurged === '1'")
    assert page.evaluate("caches.keys()") == []
    go_offline(phone)
    response = None
    try:
        response = page.goto(live_server + "/visits/")
    except Exception:  # noqa: BLE001 - the browser's own offline error: nothing kept
        pass
    assert response is None or "我的暗访" not in page.content()


def test_queued_visit_refused_as_incomplete_comes_back_to_the_inspector(live_server, phone, seeded) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    offline_ready(page)
    go_offline(phone)
    start_company_setup_visit(page)
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url(lambda url: "/checklist" in url)
    page.get_by_role("button", name="提交暗访记录").tap()  # nothing answered
    expect(page.locator("#queue")).to_contain_text(QUEUED_ONE)
    go_online(phone)
    expect(page.locator("#sync")).to_contain_text("有问题未回答", timeout=20000)
    expect(page.get_by_role("button", name="提交暗访记录")).to_be_enabled()
    expect(page.locator("[data-error-for='help_desk_staffed']")).to_be_visible()
    expect(page.locator("#queue")).to_be_hidden()
    with seeded.app_context():
        assert [v.state for v in db.session.scalars(sa.select(Visit))] == [VisitState.DRAFT]


def test_stale_csrf_token_is_renewed_before_sending(live_server, phone, seeded, tmp_path) -> None:
    """SECURITY.md §6.27: back online with a page whose CSRF token no longer holds (a new login
    in another tab meanwhile): the queue takes a fresh token and sends the visit once."""
    page = phone.new_page()
    visit_queued_offline(phone, page, live_server, tmp_path)
    phone.clear_cookies()
    other = phone.new_page()
    go_online(phone)
    sign_in(other, live_server)  # a new session: the first page's token is stale
    other.close()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until_submitted(page, seeded)
    page.wait_for_url("**/view", timeout=20000)
    assert_sent_once(seeded)


def test_a_returned_draft_begun_on_another_phone_opens_offline_with_its_photo_and_comment(
        live_server, phone, seeded) -> None:
    """Begun and photographed on another phone, submitted, returned by a leader: this phone,
    opened online once, then offline, shows the draft, its photo and why it came back."""
    import io

    from app.services import accounts, issues, visits
    from tests.factories import make_visit, user
    from tests.photo_samples import encoded

    with seeded.app_context():
        uuid = make_visit({"attitude_score": 2}, wait=12).uuid
        db.session.commit()
        upload = visits.parse_upload("6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b", "environment_photo", None)
        visits.store_photo(accounts.find_by_username("inspector1"), uuid, upload, io.BytesIO(encoded("JPEG")),
                           seeded.extensions["ruwo_storage"])
        visit = db.session.scalars(sa.select(Visit)).one()
        visits.submit(visit.inspector, visits.parse_payload(uuid, visits.draft_state(visit)))
        issues.return_visit(visit, user("leader"), "请补拍叫号单")
        db.session.commit()
        uuid = visit.uuid
    page = phone.new_page()
    sign_in(page, live_server)  # this phone never opened the visit
    offline_ready(page)
    wait_for(page, f"localStorage.getItem('ruwo.visit.{uuid}') !== null")
    wait_for(page, "caches.open('ruwo-pages').then(c => c.keys()).then(k => k.some(r => r.url.includes('/thumb.jpg')))")
    go_offline(phone)
    page.goto(live_server + "/visits/")
    page.locator(f"[data-draft='{uuid}']").get_by_role("link", name="继续填写清单").tap()
    page.wait_for_url(lambda url: "/checklist" in url)
    expect(page.locator("[data-returned]")).to_contain_text("请补拍叫号单")
    expect(page.locator("[data-where]")).to_contain_text("01 企业登记窗口")
    expect(page.locator("[data-q='attitude_score'] input[value='2']")).to_be_checked()
    photo = page.locator("[data-photo-list='environment_photo'] .photo img")
    expect(photo).to_have_count(1)
    wait_for(page, "document.querySelector(\"[data-photo-list='environment_photo'] .photo img\").naturalWidth > 0")
    go_online(phone)
