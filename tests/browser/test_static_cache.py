"""A phone on 4G does not ask for the stylesheet and scripts again on every page: pages name
each file with its version, and the browser keeps it."""

from __future__ import annotations

import pytest

from tests.browser.steps import sign_in, start_company_setup_visit

pytestmark = pytest.mark.browser


def test_pages_after_the_first_ask_the_server_for_no_stylesheet_or_script(live_server, phone, seeded) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    start_company_setup_visit(page)  # home, start pages, the timer: every file fetched once
    page.wait_for_load_state("networkidle")
    reached: list[str] = []
    serve = seeded.wsgi_app

    def counting(environ, start_response):  # type: ignore[no-untyped-def]
        reached.append(environ["PATH_INFO"])
        return serve(environ, start_response)

    seeded.wsgi_app = counting
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url("**/checklist**")
    page.wait_for_load_state("networkidle")
    page.go_back()
    page.wait_for_url("**/visits/v/*")
    page.wait_for_load_state("networkidle")
    # the pages keep their style and scripts: the timer's buttons are laid out and work
    page.get_by_role("button", name="到达").tap()
    page.get_by_text("已保存", exact=True).wait_for()
    assert any("/checklist" in path for path in reached)  # the pages came from the server
    assert [path for path in reached if path.startswith("/static/")] == []
