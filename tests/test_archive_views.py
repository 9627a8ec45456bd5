"""The leaders' archive: every visit in any state, each filter, paging, and the full record."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Hall, ServiceItem, Unit, User, Window
from app.services import calendar
from tests.factories import approved, make_visit, submitted
from tests.test_visit_views import client_for

ROW = re.compile(r'href="/dashboard/visits/(\d+)"')


@pytest.fixture
def visits_made(seeded):
    """A draft (inspector2), a submitted clean visit, and an approved one with a finding."""
    with seeded.app_context():
        draft = make_visit(inspector="inspector2", window="02", item="realestate-transfer")
        clean = submitted()
        found = approved({"attitude_score": 1})[0]
        db.session.commit()
        return {"draft": draft.id, "clean": clean.id,
                "found": found.occurrences[0].finding.visit_id, "issue": found.id}


def shown(client, query: str = "") -> set[int]:
    page = client.get(f"/archive/?{query}")
    assert page.status_code == 200
    return {int(i) for i in ROW.findall(page.get_data(as_text=True))}


def ident(app, model, column, value) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(model.id).where(column == value))


def test_every_visit_in_any_state_and_each_filter(seeded, visits_made) -> None:
    leader = client_for(seeded, "leader")
    everything = {visits_made["draft"], visits_made["clean"], visits_made["found"]}
    assert shown(leader) == everything
    assert shown(leader, "state=draft") == {visits_made["draft"]}
    assert shown(leader, "state=approved") == {visits_made["found"]}
    assert shown(leader, "findings=1") == {visits_made["found"]}
    assert shown(leader, "findings=0") == {visits_made["draft"], visits_made["clean"]}
    assert shown(leader, f"inspector={ident(seeded, User, User.username, 'inspector2')}") == {visits_made["draft"]}
    assert shown(leader, f"item={ident(seeded, ServiceItem, ServiceItem.code, 'realestate-transfer')}") == {
        visits_made["draft"]}
    assert shown(leader, f"unit={ident(seeded, Unit, Unit.code, 'realestate')}") == {visits_made["draft"]}
    window = ident(seeded, Window, Window.name, "企业登记窗口")
    assert shown(leader, f"window={window}") == {visits_made["clean"], visits_made["found"]}
    hall = ident(seeded, Hall, Hall.name, "安远县产城新区云服务大厅")
    assert shown(leader, f"hall={hall}") == everything
    assert shown(leader, f"hall={ident(seeded, Hall, Hall.name, '安远县政务服务中心')}") == set()
    today = calendar.china_today()  # the day the visits began (on the phone, today)
    day = timedelta(days=1)
    assert shown(leader, f"from={today}&to={today}") == everything
    assert shown(leader, f"from={today + day}") == set() and shown(leader, f"to={today - day}") == set()
    assert shown(leader, "campaign=1") == set()
    for odd in ("from=2026-13-45", "state=nope", "findings=2", "hall=abc", "page=-1", "to=x" * 3):
        assert shown(leader, odd) == everything, odd


def test_the_record_of_any_visit_opens_with_the_issues_it_fed(seeded, visits_made) -> None:
    leader = client_for(seeded, "leader")
    draft = leader.get(f"/dashboard/visits/{visits_made['draft']}").get_data(as_text=True)
    assert "暗访记录详情" in draft and "审核通过" not in draft
    record = leader.get(f"/dashboard/visits/{visits_made['found']}").get_data(as_text=True)
    assert f'href="/issues/{visits_made["issue"]}"' in record and "服务态度差" in record
    assert "暗访档案" in record  # back to the archive


def test_the_archive_pages_in_sql_and_is_for_leaders_only(seeded) -> None:
    with seeded.app_context():
        for _n in range(55):
            make_visit()
        db.session.commit()
    leader = client_for(seeded, "leader")
    first, second = shown(leader), shown(leader, "page=2")
    assert len(first) == 50 and len(second) == 5 and not first & second
    assert "cards-on-phone" in leader.get("/archive/").get_data(as_text=True)
    for name in ("inspector1", "unit-market", "admin"):
        assert client_for(seeded, name).get("/archive/").status_code == 403


def test_the_issue_list_and_review_queue_read_as_cards_on_a_phone(seeded, visits_made) -> None:
    leader = client_for(seeded, "leader")
    for url in ("/issues/all", "/dashboard/visits/"):
        page = leader.get(url).get_data(as_text=True)
        assert 'class="table cards-on-phone"' in page and 'data-label="' in page, url
