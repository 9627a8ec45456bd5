"""Steps the browser tests share: signing in, starting a visit, answering and submitting."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def sign_in(page, base: str, username: str = "inspector1", lands_on: str = "/visits/") -> None:
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + lands_on)


def on_visit_page(url: str) -> bool:
    return "/visits/v/" in url and "/login" not in url


#: The timer's buttons, one tap each in the hall.
MARKS = ("到达", "取号", "叫号", "办理", "办结")


def start_company_setup_visit(page, taps: Taps | None = None) -> None:
    """From the inspector's home: hall, window, matter — and on to the new visit's timer
    (counting the taps in ``taps`` if given)."""
    taps = taps or Taps()
    taps.tap(page.get_by_role("link", name="开始暗访"))
    taps.tap(page.get_by_role("link", name="安远县产城新区云服务大厅"))
    taps.tap(page.get_by_role("link", name="01 企业登记窗口"))
    # The matter buttons start a visit from script: wait until the page's scripts have run.
    page.wait_for_url(lambda url: "window_id=" in url, wait_until="load")
    taps.tap(page.get_by_role("button", name="有限责任公司设立登记"))
    page.wait_for_url(on_visit_page, wait_until="load")


def time_the_visit(page, taps: Taps) -> None:
    """In the hall: one tap per timer mark."""
    for label in MARKS:
        taps.tap(page.get_by_role("button", name=label))


def fill_and_submit(page, attitude: str, verdict: str | None = None) -> None:
    page.get_by_role("button", name="到达").tap()
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url(lambda url: "/checklist" in url)
    answer_and_submit(page, attitude, verdict)


def answer_and_submit(page, attitude: str, verdict: str | None = None) -> None:
    """On the open checklist: answer every question (no extra material) and submit; on a
    re-visit, give ``verdict`` (已整改, 未整改, 未能核实) on every point it verifies."""
    answer_all(page, attitude, verdict)
    page.get_by_role("button", name="提交暗访记录").tap()
    page.wait_for_url("**/view")


def answer_all(page, attitude: str, verdict: str | None = None) -> None:
    """On the open checklist: answer every question (no extra material), as above."""
    if verdict is not None:
        points = page.locator("[data-point]")
        for n in range(points.count()):
            points.nth(n).get_by_text(verdict, exact=True).tap()

    def answer(question: str, option: str) -> None:
        page.locator(f"[data-q='{question}']").get_by_text(option, exact=True).tap()

    for question, option in (("help_desk_staffed", "是"), ("signage_found", "是"), ("window_staffed", "是"),
                             ("attitude_score", attitude), ("rude_language", "否"), ("first_contact", "直接办理或解答"),
                             ("one_time_notice", "书面告知（告知单）"), ("matches_online_guide", "是"),
                             ("outcome", "仅咨询"), ("fee_asked", "否")):
        answer(question, option)


def approve_visit(page) -> None:
    """On a review page: approve, then confirm what the page says approving will do."""
    page.get_by_text("审核通过：将问题交办给责任单位", exact=True).click()
    expect(page.locator("#approve")).to_contain_text("审核通过")  # what it will make, or that it makes nothing
    page.get_by_role("button", name="确认审核通过").click()


class Taps:
    """Counts the taps (and photo choices, one tap each) a flow takes."""

    def __init__(self) -> None:
        self.count = 0

    def tap(self, locator) -> None:
        locator.tap()
        self.count += 1

    def choose(self, file_input, path: str) -> None:
        """Tap a photo button: the phone's camera or picker gives ``path``."""
        file_input.set_input_files(path)
        self.count += 1
