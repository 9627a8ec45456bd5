"""Campaigns on the demo county: planning, the draw stored and re-run, sealing, the board, 一公开."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import (
    Assignment,
    AuditLog,
    Campaign,
    CampaignState,
    Hall,
    InspectorConflict,
    Unit,
    Visit,
    VisitState,
)
from app.services import calendar, campaigns, issues, visits
from app.services.campaigns.inputs import draw_inputs
from app.services.errors import ServiceError
from tests.factories import BASE, submitted, user

TODAY = date(2026, 11, 30)  # a Monday


@pytest.fixture
def county(seeded, db):
    return seeded


def hall(name: str) -> Hall:
    return db.session.scalars(sa.select(Hall).where(Hall.name == name)).one()


def plan(**changes) -> campaigns.CampaignData:
    centre = hall("安远县政务服务中心")
    values = dict(name="2026年第四季度暗访", starts_on=TODAY, ends_on=TODAY + timedelta(days=30),
                  survey="window-visit:2", targets_wanted=4, visits_per_target=1, due_working_days=10,
                  hall_window_ids=(centre.id,),
                  inspector_ids=tuple(user(n).id for n in ("inspector1", "inspector2", "inspector3")))
    values.update(changes)
    return campaigns.CampaignData(**values)


def drawn(**changes) -> Campaign:
    campaign = campaigns.save(plan(**changes), actor=user("leader"))
    campaigns.run_draw(campaign, actor=user("leader"), seed=7)
    return campaign


def test_a_draw_makes_balanced_assignments_without_conflict_and_can_be_checked(county) -> None:
    campaign = drawn()
    rows = db.session.scalars(sa.select(Assignment).where(Assignment.campaign_id == campaign.id)).all()
    assert len(rows) == 4 and campaign.state is CampaignState.DRAWN
    loads = sorted(sum(a.inspector_id == u.id for a in rows) for u in campaign.inspectors)
    assert loads[-1] - loads[0] <= 1
    for a in rows:
        assert a.inspector.unit_id not in {a.window.unit_id, a.service_item.unit_id if a.service_item else None}
        assert a.persona and a.due_date == date(2026, 12, 14) and a.note
    record = campaign.current_draw
    assert record.seed == "7" and record.algorithm == campaigns.ALGORITHM
    assert campaigns.check_draw(record)
    record.result = {"assignments": list(reversed(record.result["assignments"]))[:-1]}
    assert not campaigns.check_draw(record)  # a changed record no longer matches its re-run
    kinds = [e.kind for e in campaign.events]
    assert kinds == ["created", "drawn"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.action.like("campaign.%"))) == 2


def test_listed_conflicts_are_never_drawn(county) -> None:
    market = db.session.scalars(sa.select(Unit).where(Unit.code == "market")).one()
    for name in ("inspector1", "inspector2"):
        db.session.add(InspectorConflict(user_id=user(name).id, unit_id=market.id, reason="配偶任职"))
    campaign = drawn(targets_wanted=None)
    for a in db.session.scalars(sa.select(Assignment).where(Assignment.campaign_id == campaign.id)):
        if market.id in {a.window.unit_id, a.service_item.unit_id if a.service_item else None}:
            assert a.inspector.username == "inspector3"


def test_an_impossible_draw_names_the_target_and_the_constraint(county) -> None:
    campaign = campaigns.save(plan(visits_per_target=3, targets_wanted=None), actor=user("leader"))
    with pytest.raises(campaigns.DrawFailed) as failed:
        campaigns.run_draw(campaign, actor=user("leader"), seed=1)
    problems = failed.value.problems
    assert {p["constraint"] for p in problems} == {"conflict"}
    # Water (D01) and gas (D02) and the social-insurance window (C02) each have an inspector's home unit.
    assert len(problems) >= 3 and all(p["have"] == 2 and p["need"] == 3 for p in problems)
    assert campaign.state is CampaignState.DRAFT and not campaign.draws


def test_a_redraw_needs_a_reason_and_replaces_the_assignments(county) -> None:
    campaign = drawn()
    with pytest.raises(ServiceError):
        campaigns.run_draw(campaign, actor=user("leader"))
    campaigns.run_draw(campaign, actor=user("leader"), reason="暗访员二请假", seed=8)
    now = {a.id for a in db.session.scalars(sa.select(Assignment).where(Assignment.campaign_id == campaign.id))}
    assert len(now) == 4 and len(campaign.draws) == 2  # the first draw's assignments are gone
    assert campaign.events[-1].kind == "redrawn" and campaign.events[-1].note == "暗访员二请假"


def test_steps_follow_the_state_table(county) -> None:
    campaign = campaigns.save(plan(), actor=user("leader"))
    for step in (campaigns.start, campaigns.close, campaigns.publish):
        with pytest.raises(ServiceError):
            step(campaign, actor=user("leader"))
    campaigns.run_draw(campaign, actor=user("leader"), seed=3)
    with pytest.raises(ServiceError):
        campaigns.save(plan(name="改名"), campaign, actor=user("leader"))
    campaigns.start(campaign, actor=user("leader"))
    with pytest.raises(ServiceError):
        campaigns.run_draw(campaign, actor=user("leader"), reason="太晚了")
    campaigns.close(campaign, actor=user("leader"))
    campaigns.publish(campaign, actor=user("leader"))
    assert [e.kind for e in campaign.events] == ["created", "drawn", "started", "closed", "published"]


def test_assignments_are_sealed_until_the_campaign_starts(county) -> None:
    campaign = drawn(targets_wanted=None)
    people = [user(n) for n in ("inspector1", "inspector2", "inspector3")]
    with freeze_time("2026-12-01 02:00:00"):
        assert not any(visits.open_assignments(p) for p in people)  # drawn, not started
        campaigns.start(campaign, actor=user("leader"))
        assert all(visits.open_assignments(p) for p in people)
    campaign.starts_on = date(2026, 12, 7)
    with freeze_time("2026-12-01 02:00:00"):
        assert not any(visits.open_assignments(p) for p in people)  # started, but not yet its first day
        mine = db.session.scalars(sa.select(Assignment).where(Assignment.campaign_id == campaign.id,
                                                              Assignment.inspector_id == people[0].id)).first()
        payload = visits.parse_payload("00000000-0000-4000-8000-00000000aaaa", {
            "window_id": mine.window_id, "service_item_id": mine.service_item_id, "assignment_id": mine.id,
            "marks": {}, "answers": {}, "materials": {"ticked": [], "extra": []}})
        with pytest.raises(ServiceError):
            visits.save_draft(people[0], payload)  # nor can a sealed assignment be used by its id
    with freeze_time("2026-12-07 02:00:00"):
        assert all(visits.open_assignments(p) for p in people)


def test_the_board_lists_overdue_first_and_counts_per_inspector(county) -> None:
    campaign = drawn()
    with freeze_time("2026-12-01 02:00:00"):
        campaigns.start(campaign, actor=user("leader"))
    rows = db.session.scalars(sa.select(Assignment).where(Assignment.campaign_id == campaign.id)
                              .order_by(Assignment.id)).all()
    rows[1].due_date = TODAY  # this one is late
    board = campaigns.board(campaign, TODAY + timedelta(days=1))
    assert board.rows[0].assignment.id == rows[1].id and board.rows[0].status == "overdue"
    assert board.totals == {"overdue": 1, "pending": 3}
    assert sum(sum(c.values()) for c in board.by_inspector.values()) == 4


def test_the_disclosure_names_no_inspector_and_units_see_it_only_once_published(county) -> None:
    campaign = drawn()
    campaigns.start(campaign, actor=user("leader"))
    campaigns.close(campaign, actor=user("leader"))
    assert campaign not in campaigns.visible_to(user("unit-market"))
    assert campaign in campaigns.visible_to(user("leader"))
    campaigns.publish(campaign, actor=user("leader"))
    assert campaign in campaigns.visible_to(user("unit-market"))
    shown = campaigns.disclosure(campaign)
    assert shown.assignments == 4 and shown.visits_done == 0 and sum(u.targets for u in shown.units) == 4
    text = repr(shown.targets) + repr(shown.units)
    assert not any(n in text for n in ("inspector", "暗访员"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(
        Visit.state == VisitState.APPROVED)) == 0


def test_issues_and_the_review_queue_filter_by_campaign(county) -> None:
    campaign = drawn(targets_wanted=None, starts_on=calendar.china_today())
    campaigns.start(campaign, actor=user("leader"))
    mine = db.session.scalars(sa.select(Assignment).where(Assignment.campaign_id == campaign.id)
                              .order_by(Assignment.id)).first()
    payload = visits.parse_payload("00000000-0000-4000-8000-00000000bbbb", {
        "window_id": mine.window_id, "service_item_id": mine.service_item_id, "assignment_id": mine.id,
        "marks": {"arrived": "2026-11-30T01:00:00+00:00"}, "answers": {**BASE, "attitude_score": 1},
        "materials": {"ticked": [], "extra": []}})
    visit, _again = visits.submit(mine.inspector, payload)
    submitted(wait=5)  # a visit outside the campaign
    assert [v.id for v in visits.for_review(campaign_id=campaign.id)] == [visit.id]
    assert len(visits.for_review()) == 2
    found = issues.approve(visit, user("leader"))
    assert found and issues.search(issues.IssueFilter(campaign_id=campaign.id), TODAY) == found
    assert issues.search(issues.IssueFilter(campaign_id=campaign.id + 1), TODAY) == []


def test_the_next_draw_knows_the_halls_each_inspector_visited_in_the_previous_campaign(county) -> None:
    first = drawn(targets_wanted=None)
    visited: dict[int, set[int]] = {}
    for a in db.session.scalars(sa.select(Assignment).where(Assignment.campaign_id == first.id)):
        visited.setdefault(a.inspector_id, set()).add(a.window.hall_id)
    second = campaigns.save(plan(name="下一批", starts_on=TODAY + timedelta(days=40),
                                 ends_on=TODAY + timedelta(days=60)), actor=user("leader"))
    inputs = draw_inputs(second)
    assert {i["id"]: set(i["previous_halls"]) for i in inputs["inspectors"]} == visited
    homes = {u.id: u.unit_id for u in second.inspectors}
    assert all(homes[i["id"]] in i["units"] for i in inputs["inspectors"])  # the home unit is avoided
