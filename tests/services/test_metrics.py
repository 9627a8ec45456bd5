"""The dashboard's figures against hand-computed fixtures, on the suite's database.

Window 01 (market): v1 wait 10, v2 wait 20 with an extra material, poor attitude and an oral
notice (approved), v3 wait 20, v4 wait 40 and no notice (approved). Window 02 (real estate):
v5 wait 5, 3 trips (more than allowed), a hall-level finding. Window 03 (housing fund): v6 no wait timed; v7 in August.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Assignment,
    Campaign,
    Category,
    IssueEvent,
    IssueState,
    Severity,
    Unit,
    Visit,
    Window,
)
from app.services import metrics
from app.services.metrics import scope as scopes
from tests.factories import approved, submitted, user

HALL = "安远县产城新区云服务大厅"
TODAY = date(2026, 9, 28)
SEPTEMBER = metrics.Filter(start=date(2026, 9, 1), end=date(2026, 9, 30))


def window_id(number: str) -> int:
    return db.session.scalar(sa.select(Window.id).where(Window.number == number, Window.hall.has(name=HALL)))


def unit_id(code: str) -> int:
    return db.session.scalar(sa.select(Unit.id).where(Unit.code == code))


def move(visit_id: int, when: datetime) -> None:
    db.session.execute(sa.update(Visit).where(Visit.id == visit_id).values(submitted_at=when))


@pytest.fixture
def county(seeded, db):
    ids = {}
    ids["v1"] = submitted({"trips_required": 1}, wait=10).id
    issues_v2 = approved({"attitude_score": 2, "one_time_notice": "oral"}, wait=20, extra=["村委会证明"])
    ids["v2"] = issues_v2[0].occurrences[0].finding.visit_id
    ids["v3"] = submitted({"attitude_score": 5, "trips_required": 1}, wait=20).id
    issues_v4 = approved({"one_time_notice": "none"}, wait=40)
    ids["v4"] = issues_v4[0].occurrences[-1].finding.visit_id
    ids["v5"] = submitted({"attitude_score": 3, "help_desk_staffed": False, "trips_required": 3},
                          wait=5, window="02", item=None).id
    ids["v6"] = submitted(window="03", item=None).id
    ids["v7"] = submitted(window="03", item=None, wait=30).id
    move(ids["v7"], datetime(2026, 8, 15, 2, 0, tzinfo=UTC))
    by_category = {i.category: i for i in {*issues_v2, *issues_v4}}
    # Rectification: materials closed on time after a re-visit, attitude closed late after a
    # failed re-visit then a passed one, efficiency overdue, notification escalated.
    materials, attitude = by_category[Category.MATERIALS], by_category[Category.ATTITUDE]
    materials.state, materials.closed_on = IssueState.CLOSED, materials.deadline
    attitude.state, attitude.closed_on = IssueState.CLOSED, date(2026, 12, 31)
    for issue, kind in ((materials, "closed_by_revisit"), (attitude, "revisit_failed"), (attitude, "closed_by_revisit")):
        db.session.add(IssueEvent(issue=issue, actor_role="leader", kind=kind))
    by_category[Category.EFFICIENCY].deadline = date(2026, 9, 27)
    by_category[Category.NOTIFICATION].escalation_level = 1
    by_category[Category.NOTIFICATION].occurrences[0].recurrence = True
    db.session.flush()
    ids["issues"] = {c: i.id for c, i in by_category.items()}
    return ids


def test_headline_counts(county) -> None:
    s = metrics.summary(SEPTEMBER, TODAY)
    assert s.visits == 6
    # v2: attitude medium, notice low, extra material high; v4: wait medium, no notice high;
    # v5: help desk (hall level) low, trips medium.
    assert s.by_category[Category.NOTIFICATION] == 3 and s.by_category[Category.ATTITUDE] == 1
    assert s.by_category[Category.MATERIALS] == 1 and s.by_category[Category.EFFICIENCY] == 2
    assert s.findings == 7
    assert (s.by_severity[Severity.LOW], s.by_severity[Severity.MEDIUM], s.by_severity[Severity.HIGH]) == (2, 3, 2)
    assert s.issues == 4 and s.open_issues == 2
    assert s.issues_by_state[IssueState.CLOSED] == 2 and s.issues_by_state[IssueState.ASSIGNED] == 2
    assert (s.overdue, s.escalated) == (1, 1)


def test_rates_and_means_per_window(county) -> None:
    rows = metrics.figures(SEPTEMBER, "window_id")
    w1 = rows[window_id("01")]
    assert w1.visits == 4
    assert w1.extra_rate == pytest.approx(1 / 4)
    assert w1.notice_rate == pytest.approx(2 / 4)
    assert w1.wait_mean == pytest.approx(22.5)
    assert w1.wait_p90 == 40
    assert w1.trips_mean == pytest.approx(1.0)
    assert w1.attitude_mean == pytest.approx((4 + 2 + 5 + 4) / 4)
    assert w1.issues == 4
    assert w1.closure_rate == pytest.approx(0.5) and w1.on_time_rate == pytest.approx(0.5)
    assert w1.revisit_pass_rate == pytest.approx(2 / 3)
    assert w1.recurrence_rate == pytest.approx(1 / 5)  # 5 occurrences: 3 of v2, 2 of v4
    w3 = rows[window_id("03")]
    assert (w3.visits, w3.wait_mean, w3.wait_p90, w3.issues, w3.closure_rate) == (1, None, None, 0, None)
    assert set(rows) == {window_id("01"), window_id("02"), window_id("03")}


def test_overall_and_per_unit(county) -> None:
    overall = metrics.figures(SEPTEMBER)[None]
    assert overall.visits == 6
    assert overall.notice_rate == pytest.approx(4 / 6)
    assert overall.wait_mean == pytest.approx((10 + 20 + 20 + 40 + 5) / 5)
    assert overall.wait_p90 == 40  # 5 waits: rank ceil(4.5) = 5
    assert overall.trips_mean == pytest.approx((1 + 1 + 3) / 3)
    units = metrics.figures(SEPTEMBER, "unit_id")
    assert units[unit_id("market")].visits == 4 and units[unit_id("realestate")].wait_mean == 5


def test_nearest_rank_percentile_with_ties(seeded, db) -> None:
    for wait in (1, 2, 3, 4, 5, 6, 7, 30, 30, 50):
        submitted(wait=wait, window="02", item=None)
    # 10 waits: rank ceil(9.0) = 9, the second 30 (interpolation would give 32).
    assert metrics.figures(SEPTEMBER)[None].wait_p90 == 30
    submitted(wait=50, window="02", item=None)
    # 11 waits: rank ceil(9.9) = 10, a 50.
    assert metrics.figures(SEPTEMBER)[None].wait_p90 == 50


def test_a_single_wait_is_its_own_percentile(seeded, db) -> None:
    submitted(wait=17, window="02", item=None)
    assert metrics.figures(SEPTEMBER)[None].wait_p90 == 17


def test_previous_period_and_changes(county) -> None:
    board = metrics.dashboard(SEPTEMBER, TODAY)
    assert board.previous == metrics.Filter(start=date(2026, 8, 2), end=date(2026, 8, 31))
    assert board.compared("visits").now == 6 and board.compared("visits").before == 1
    assert board.compared("visits").change == 5
    assert board.compared("wait_mean").before == 30
    w3 = next(r for r in board.windows if r.id == window_id("03"))
    assert w3.compared("visits").change == 0
    w1 = next(r for r in board.windows if r.id == window_id("01"))
    assert w1.before.visits == 0 and w1.compared("wait_mean").change is None


def test_ranking_formula_and_ties(county) -> None:
    windows = metrics.ranking(SEPTEMBER, "window_id")
    # Window 01: v2 medium + low + high = 2 + 1 + 4, v4 medium + high = 2 + 4; 13 points / 4 visits.
    # Window 02: v5's trips medium = 2 points / 1 visit (its help-desk finding is about the hall).
    assert [(r.id, r.points, r.visits, r.score) for r in windows.black] == [
        (window_id("01"), 13, 4, 3.25), (window_id("02"), 2, 1, 2.0)]
    assert [(r.id, r.score) for r in windows.red] == [(window_id("03"), 0.0)]  # not 02: on the black list
    units = metrics.ranking(SEPTEMBER, "unit_id")
    assert [r.id for r in units.black] == [unit_id("market"), unit_id("realestate")]


def test_equal_scores_rank_by_visits_then_name(seeded, db) -> None:
    submitted({"attitude_score": 2}, window="02", item=None)  # 2 points / 1 visit
    submitted({"attitude_score": 2}, window="03", item=None)
    submitted({"attitude_score": 2}, window="03", item=None)  # 4 points / 2 visits
    black = metrics.ranking(SEPTEMBER, "window_id").black
    assert [(r.id, r.score) for r in black] == [(window_id("03"), 2.0), (window_id("02"), 2.0)]


def test_red_list_ties(seeded, db) -> None:
    submitted(window="03", item=None)
    submitted(window="02", item=None)
    assert [r.id for r in metrics.ranking(SEPTEMBER, "window_id").red] == [window_id("02"), window_id("03")]
    submitted(window="03", item=None)  # as good, with more visits
    assert [r.id for r in metrics.ranking(SEPTEMBER, "window_id").red] == [window_id("03"), window_id("02")]


def test_china_day_boundaries(county) -> None:
    move(county["v1"], datetime(2026, 8, 31, 16, 0, tzinfo=UTC))  # 1 Sep 00:00 in China
    move(county["v3"], datetime(2026, 9, 30, 16, 0, tzinfo=UTC))  # 1 Oct 00:00 in China
    assert metrics.summary(SEPTEMBER, TODAY).visits == 5


def test_hall_and_unit_filters(county) -> None:
    other_hall = db.session.scalar(sa.select(Window.hall_id).where(Window.number == "A01"))
    assert metrics.summary(metrics.Filter(SEPTEMBER.start, SEPTEMBER.end, hall_id=other_hall), TODAY).visits == 0
    market = metrics.summary(metrics.Filter(SEPTEMBER.start, SEPTEMBER.end, unit_id=unit_id("market")), TODAY)
    assert (market.visits, market.findings, market.issues) == (4, 5, 4)
    assert metrics.Filter(SEPTEMBER.start, SEPTEMBER.end, hall_id=window_id("01")) != SEPTEMBER


def test_campaign_filter_and_previous_campaign(county) -> None:
    first = Campaign(name="一", starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 31), survey_key="window-visit",
                     survey_version=2)
    second = Campaign(name="二", starts_on=date(2030, 2, 1), ends_on=date(2030, 2, 28), survey_key="window-visit",
                      survey_version=2)
    db.session.add_all([first, second])
    for campaign, visit_ids in ((first, ["v7"]), (second, ["v1", "v4"])):
        for key in visit_ids:
            visit = db.session.get(Visit, county[key])
            assignment = Assignment(inspector=user("inspector1"), window_id=visit.window_id, campaign=campaign)
            db.session.add(assignment)
            db.session.flush()
            visit.assignment_id = assignment.id
    db.session.flush()
    chosen = metrics.Filter(date(2000, 1, 1), date(2000, 1, 2), campaign_id=second.id)
    board = metrics.dashboard(chosen, TODAY)
    assert board.previous.campaign_id == first.id
    assert (board.now.visits, board.before.visits) == (2, 1)
    assert board.compared("wait_mean").now == 25 and board.compared("wait_mean").before == 30
    assert [(w.visits, w.findings) for w in metrics.weeks(chosen)] == [(2, 2)]


def test_weeks_waits_and_halls(county) -> None:
    weeks = metrics.weeks(SEPTEMBER)
    assert [w.label for w in weeks] == ["2026-W36", "2026-W37", "2026-W38", "2026-W39", "2026-W40"]
    assert [(w.visits, w.findings) for w in weeks] == [(0, 0), (0, 0), (0, 0), (0, 0), (6, 7)]  # 28 Sep is a Monday
    assert [(b.low, b.high, b.visits) for b in metrics.waits(SEPTEMBER)] == [
        (0, 9, 1), (10, 19, 1), (20, 29, 2), (30, 44, 1), (45, 59, 0), (60, 89, 0), (90, None, 0)]
    halls = {h.name: h for h in metrics.halls(SEPTEMBER)}
    assert (halls[HALL].visits, halls[HALL].open_issues) == (6, 2)
    assert halls["安远县政务服务中心"].visits == 0


def test_period_parsing_falls_back_to_the_default() -> None:
    default = (date(2026, 8, 30), TODAY)
    assert scopes.period(None, TODAY, TODAY) == default
    assert scopes.period(TODAY, date(2026, 1, 1), TODAY) == default
    assert scopes.period(date(2020, 1, 1), TODAY, TODAY) == default
    assert scopes.period(date(2026, 1, 1), date(2026, 1, 1), TODAY) == (date(2026, 1, 1), date(2026, 1, 1))


def test_an_empty_scope(seeded, db) -> None:
    board = metrics.dashboard(SEPTEMBER, TODAY)
    assert board.now.visits == 0 and board.now.overall.wait_p90 is None and board.windows == []
    assert metrics.ranking(SEPTEMBER, "unit_id") == metrics.Ranking((), ())


def test_a_change_is_called_better_or_worse_by_which_way_the_figure_should_go() -> None:
    from app.services.metrics.board import Compared

    assert Compared(0.5, 0.2).verdict("notice_rate") == "better"  # more written notices
    assert Compared(0.5, 0.2).verdict("extra_rate") == "worse"  # more extra materials asked for
    assert Compared(20, 30).verdict("wait_p90") == "better"
    assert Compared(3.0, 3.0).verdict("attitude_mean") is None  # unchanged
    assert Compared(None, 3.0).verdict("attitude_mean") is None  # nothing to compare
    assert Compared(120, 80).verdict("visits") is None  # more visits: more work, neither
