"""Taps in the hall, counted as an inspector makes them at 390×844.

From an assignment on the home page: one tap starts the visit at its window and matter, then
one per timer mark — six in all; the "到达" tap also records the position, and the camera on
the timer screen attaches a photo in one tap. Without an assignment, hall, window and matter
are chosen before going in, and the hall itself takes the five marks.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.models import Assignment, Photo, User, Visit
from tests.browser.steps import Taps, on_visit_page, sign_in, start_company_setup_visit, time_the_visit
from tests.factories import started_campaign

pytestmark = pytest.mark.browser


def saved_visit(page, seeded, with_position: bool = False, **where) -> Visit:
    """The server's copy once the last mark (and the position, if asked) reached it."""
    for _ in range(150):
        with seeded.app_context():
            visit = db.session.scalars(sa.select(Visit).filter_by(**where)).one_or_none()
            if visit is not None and visit.finished_at is not None and (
                    visit.latitude is not None or not with_position):
                db.session.expunge(visit)
                return visit
        page.wait_for_timeout(200)
    raise AssertionError("the visit never reached the server with its last mark (and position)")


def test_six_taps_in_the_hall_from_an_assignment(live_server, phone, seeded, tmp_path) -> None:
    with seeded.app_context():
        campaign = started_campaign()
        db.session.commit()
        assignment = db.session.scalars(sa.select(Assignment).join(Assignment.inspector).where(
            Assignment.campaign_id == campaign.id, User.username == "inspector1").order_by(Assignment.id)).first()
        window_id, item_id, assignment_id = assignment.window_id, assignment.service_item_id, assignment.id
    page = phone.new_page()
    sign_in(page, live_server)
    page.wait_for_load_state("load")  # the start button works from script
    taps = Taps()
    card = page.locator("#assignments li").filter(has=page.locator(f"[data-assignment='{assignment_id}']"))
    expect(card).to_contain_text("身份设定")  # what the inspector poses as, on the home page
    taps.tap(card.get_by_role("button", name="开始这次暗访"))
    page.wait_for_url(on_visit_page, wait_until="load")
    time_the_visit(page, taps)
    assert taps.count == 6
    expect(page.locator("[data-position-text]")).to_contain_text("已记录位置", timeout=20000)  # with "到达"

    photo = tmp_path / "board.jpg"
    Image.effect_noise((640, 480), 40).convert("RGB").save(photo, "JPEG", quality=85)
    taps.choose(page.get_by_label("拍照"), str(photo))  # the notice board, in one tap
    expect(page.locator("[data-photo-list] .photo")).to_have_count(1)
    # uploaded: the tile shows the server's thumbnail (its progress bar is hidden before the upload
    # starts too, so that is no sign it is done)
    expect(page.locator("[data-photo-list] .photo img")).to_have_attribute("src", re.compile(r"/thumb\.jpg$"),
                                                                             timeout=30000)
    assert taps.count == 7

    visit = saved_visit(page, seeded, with_position=True, assignment_id=assignment_id)
    assert (visit.window_id, visit.service_item_id) == (window_id, item_id)
    assert visit.arrived_at and visit.finished_at
    assert visit.latitude is not None and abs(visit.latitude - 25.1105) < 0.01
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.visit_id == visit.id)) == 1


def test_without_an_assignment_hall_window_and_matter_come_first(live_server, phone, seeded) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    taps = Taps()
    start_company_setup_visit(page, taps)
    before = taps.count
    time_the_visit(page, taps)
    assert (before, taps.count - before) == (4, 5)  # four before going in, five in the hall
    visit = saved_visit(page, seeded)
    assert visit.assignment_id is None and visit.finished_at
