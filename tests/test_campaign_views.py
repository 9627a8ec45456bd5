"""The campaign pages through the test client: plan, draw (and why not), check, start, the board,
close, publish; who may see what (units nothing until publication, inspectors nothing early)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Assignment, Campaign, CampaignState, Hall, InspectorConflict, Unit, User
from app.services.calendar import china_today
from tests.test_visit_views import client_for

START = china_today() + timedelta(days=1)  # China's day: the app counts campaigns in it


def ids(app, model, column, *values):
    with app.app_context():
        return [db.session.scalar(sa.select(model.id).where(column == v)) for v in values]


def plan_form(app, **changes) -> dict:
    halls = ids(app, Hall, Hall.name, "安远县政务服务中心")
    people = ids(app, User, User.username, "inspector1", "inspector2", "inspector3")
    form = {"name": "2026年12月暗访", "starts_on": START.isoformat(), "ends_on": (START + timedelta(days=30)).isoformat(),
            "survey": "window-visit:2", "targets_wanted": "3", "visits_per_target": "1", "due_working_days": "10",
            "hall_window_ids": [str(h) for h in halls], "inspector_ids": [str(p) for p in people]}
    form.update(changes)
    return form


@pytest.fixture
def leader(seeded):
    return client_for(seeded, "leader")


def campaign_id(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Campaign.id))


def started_campaign(app, leader, *steps: str) -> int:
    """A campaign planned by ``leader`` on the usual form, drawn and started (then ``steps``)."""
    leader.post("/campaigns/new", data=plan_form(app))
    cid = campaign_id(app)
    for step in ("draw", "start", *steps):
        leader.post(f"/campaigns/{cid}/{step}")
    return cid


def test_a_leader_plans_draws_checks_starts_closes_and_publishes(seeded, leader) -> None:
    assert leader.get("/campaigns/").status_code == 200
    assert "抽取" in leader.get("/campaigns/new").get_data(as_text=True)
    created = leader.post("/campaigns/new", data=plan_form(seeded))
    assert created.status_code == 302
    cid = campaign_id(seeded)
    page = leader.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert "2026年12月暗访" in page and "规划中" in page
    assert leader.post(f"/campaigns/{cid}/draw").status_code == 302
    page = leader.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert "已抽取" in page and "未开始" in page and page.count("暗访员") >= 3
    check = leader.get(f"/campaigns/{cid}/check").get_data(as_text=True)
    assert "一致" in check
    refused = leader.post(f"/campaigns/{cid}/draw", data={"reason": ""})
    assert refused.status_code == 422  # a redraw needs a reason
    assert leader.post(f"/campaigns/{cid}/draw", data={"reason": "暗访员二请假"}).status_code == 302
    assert leader.post(f"/campaigns/{cid}/start").status_code == 302
    assert leader.get(f"/campaigns/{cid}/disclosure").status_code == 404  # not closed yet
    assert leader.post(f"/campaigns/{cid}/close").status_code == 302
    disclosure = leader.get(f"/campaigns/{cid}/disclosure").get_data(as_text=True)
    assert "未公开" in disclosure and "暗访员" not in disclosure
    assert leader.post(f"/campaigns/{cid}/publish").status_code == 302
    with seeded.app_context():
        campaign = db.session.get(Campaign, cid)
        assert campaign.state is CampaignState.PUBLISHED
        assert [e.kind for e in campaign.events] == ["created", "drawn", "redrawn", "started", "closed", "published"]


def test_an_impossible_draw_says_which_target_fails_and_why(seeded, leader) -> None:
    leader.post("/campaigns/new", data=plan_form(seeded, visits_per_target="3", targets_wanted=""))
    cid = campaign_id(seeded)
    answer = leader.post(f"/campaigns/{cid}/draw")
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert "用水报装窗口" in text and "没有利益冲突" in text
    with seeded.app_context():
        assert db.session.get(Campaign, cid).state is CampaignState.DRAFT
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(Assignment))


def test_bad_plans_are_refused_with_a_message_and_nothing_saved(seeded, leader) -> None:
    for changes in ({"ends_on": "2026-11-01"}, {"inspector_ids": []}, {"hall_window_ids": []},
                    {"survey": "window-visit:99"}, {"visits_per_target": "9"}):
        answer = leader.post("/campaigns/new", data=plan_form(seeded, **changes))
        assert answer.status_code == 422, changes
        assert 'class="error"' in answer.get_data(as_text=True) or "flash-error" in answer.get_data(as_text=True)
    assert campaign_id(seeded) is None


def test_units_and_inspectors_see_nothing_before_their_time(seeded, leader) -> None:
    leader.post("/campaigns/new", data=plan_form(seeded, targets_wanted=""))
    cid = campaign_id(seeded)
    leader.post(f"/campaigns/{cid}/draw")
    unit, inspector = client_for(seeded, "unit-market"), client_for(seeded, "inspector1")
    for url in ("/campaigns/", f"/campaigns/{cid}", f"/campaigns/{cid}/check", "/campaigns/new"):
        assert unit.get(url).status_code == 403 and inspector.get(url).status_code == 403
    assert unit.get(f"/campaigns/{cid}/disclosure").status_code == 404
    assert "2026年12月暗访" not in unit.get("/campaigns/published").get_data(as_text=True)
    leader.post(f"/campaigns/{cid}/start")
    assert "开始这次暗访" not in inspector.get("/visits/").get_data(as_text=True)  # it starts tomorrow
    with seeded.app_context():
        db.session.get(Campaign, cid).starts_on = china_today() - timedelta(days=1)  # ...and now it has begun
        db.session.commit()
    assert "开始这次暗访" in inspector.get("/visits/").get_data(as_text=True)
    leader.post(f"/campaigns/{cid}/close")
    assert unit.get(f"/campaigns/{cid}/disclosure").status_code == 404
    leader.post(f"/campaigns/{cid}/publish")
    assert "2026年12月暗访" in unit.get("/campaigns/published").get_data(as_text=True)
    shown = unit.get(f"/campaigns/{cid}/disclosure").get_data(as_text=True)
    assert "安远县政务服务中心" in shown and "暗访员" not in shown and "inspector" not in shown


def test_the_command_line_reproduces_the_draw_and_notices_a_changed_record(seeded, leader) -> None:
    leader.post("/campaigns/new", data=plan_form(seeded))
    cid = campaign_id(seeded)
    leader.post(f"/campaigns/{cid}/draw")
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["campaigns", "check-draw", str(cid)])
    assert result.exit_code == 0 and result.output.startswith("identical"), result.output
    with seeded.app_context():
        record = db.session.get(Campaign, cid).current_draw
        record.seed = str(int(record.seed) + 1)  # someone edits the stored seed
        db.session.commit()
    result = runner.invoke(args=["campaigns", "check-draw", str(cid)])
    assert result.exit_code == 1 and "DIFFERENT" in result.output
    assert "不一致" in leader.get(f"/campaigns/{cid}/check").get_data(as_text=True)
    assert runner.invoke(args=["campaigns", "check-draw", "999"]).exit_code == 1


def test_an_administrator_lists_an_inspectors_further_conflicts(seeded) -> None:
    admin = client_for(seeded, "admin")
    inspector_id, leader_id = ids(seeded, User, User.username, "inspector2", "leader")
    market, water = ids(seeded, Unit, Unit.code, "market", "water")
    page = admin.get(f"/admin/users/{inspector_id}/edit").get_data(as_text=True)
    assert "其他利益冲突单位" in page
    form = {"display_name": "暗访员二", "role": "inspector", "unit_code": "water", "conflict_unit_ids": [str(market)]}
    assert admin.post(f"/admin/users/{inspector_id}/edit", data=form).status_code == 302
    with seeded.app_context():
        rows = db.session.scalars(sa.select(InspectorConflict)).all()
        assert [(r.user_id, r.unit_id) for r in rows] == [(inspector_id, market)]
    refused = admin.post(f"/admin/users/{inspector_id}/edit", data={**form, "conflict_unit_ids": ["99999"]})
    assert refused.status_code == 422
    admin.post(f"/admin/users/{leader_id}/edit", data={"display_name": "组长", "role": "leader", "unit_code": "",
                                                   "conflict_unit_ids": [str(water)]})
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectorConflict)
                                 .where(InspectorConflict.user_id == leader_id)) == 0
