"""What broke in the layout at 390×844, checked by position: the photo button's label sits in
the middle of its box, a guide material's condition goes under its name (the name keeps the
line's width), and the unit's evidence input is a styled box with a button, not the browser's
bare "Choose Files" control."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.browser.steps import sign_in, start_company_setup_visit
from tests.factories import approved

pytestmark = pytest.mark.browser


def box(locator) -> dict[str, float]:
    return locator.bounding_box()


def test_photo_button_and_materials_read_well_on_a_phone(live_server, phone) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    start_company_setup_visit(page)
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url(lambda url: "/checklist" in url, wait_until="load")

    button = page.locator("label.photo-add:visible").first
    button.scroll_into_view_if_needed()
    text = button.evaluate(
        "l => { const r = document.createRange(); r.selectNodeContents(l.firstChild); const b = r.getBoundingClientRect();"
        " return {y: b.y, height: b.height}; }")
    outer = box(button)
    middle, text_middle = outer["y"] + outer["height"] / 2, text["y"] + text["height"] / 2
    assert abs(middle - text_middle) < 4, (outer, text)  # not on the top edge

    material = page.locator("label.material").filter(has_text="委托代理人办理时").first
    material.scroll_into_view_if_needed()
    name = material.locator("> span").first
    condition = material.locator(".condition")
    assert box(condition)["y"] >= box(name)["y"] + 10  # on a line of its own, under the name
    assert box(name)["width"] > 250  # the name keeps the width of the line


def test_the_units_evidence_input_is_styled(live_server, browser, seeded) -> None:
    with seeded.app_context():
        (issue, *_rest) = approved({"attitude_score": 1})
        db.session.commit()
        issue_id = issue.id
    unit = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    sign_in(unit, live_server, "unit-market", "/issues/")
    unit.goto(f"{live_server}/issues/{issue_id}")
    unit.get_by_role("button", name="开始整改").click()
    evidence = unit.locator("input[name=evidence]")
    expect(evidence).to_have_attribute("accept", "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif")
    style = evidence.evaluate("i => { const s = getComputedStyle(i); const b = getComputedStyle(i, '::file-selector-button');"
                              " return [s.borderStyle, s.width, b.borderRadius, b.minHeight]; }")
    assert style[0] == "dashed" and style[2] == "8px" and style[3] == "44px", style
    assert float(style[1].removesuffix("px")) > 300  # as wide as the form
