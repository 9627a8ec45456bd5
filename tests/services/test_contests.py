"""Contests (申诉): a unit contests before starting work; leaders transfer, dismiss or reject.

The dates are fixed around National Day 2026 (1-7 October off, Saturday 10 October a make-up
working day), so that the paused deadline is given back in working days across the holiday.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AuditLog,
    ContestKind,
    ContestOutcome,
    FindingState,
    Issue,
    IssueContest,
    IssueState,
    VisitAnswer,
)
from app.services import calendar, issues, metrics
from app.services.errors import ServiceError
from tests.factories import NOW, submitted, user
from tests.photo_samples import encoded

MON_28_SEP, WED_30_SEP, THU_8_OCT = date(2026, 9, 28), date(2026, 9, 30), date(2026, 10, 8)


@pytest.fixture
def county(seeded, db):
    return seeded


def storage():
    from flask import current_app

    return current_app.extensions["ruwo_storage"]


def open_issue() -> Issue:
    """An issue of unit-market's (a poor attitude at its window), assigned on Monday 28 September."""
    issue = issues.approve(submitted({"attitude_score": 1}), user("leader"), now=NOW)[0]
    assert issue.lead_unit_id == user("unit-market").unit_id
    return issue


def contest(issue: Issue, kind: ContestKind = ContestKind.WRONG_FINDING, *, unit: str = "unit-market",
            proposed: str | None = None, today: date = MON_28_SEP, files=()) -> IssueContest:
    proposed_id = user(proposed).unit_id if proposed else None
    return issues.contest(issue, user(unit), kind, "窗口当天无人值守，记录的人员不属本单位", proposed_id,
                          list(files), storage(), today=today)


def kinds(issue: Issue) -> list[str]:
    return [e.kind for e in issue.events]


def audited(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_the_holiday_calendar_used_here_knows_national_day_2026(county) -> None:
    assert not calendar.is_working_day(date(2026, 10, 1)) and calendar.is_working_day(date(2026, 10, 10))
    assert calendar.working_days_between(MON_28_SEP, WED_30_SEP) == 2


def test_reject_resumes_the_deadline_with_the_working_days_left_across_the_holiday(county) -> None:
    issue = open_issue()
    issue.deadline = WED_30_SEP  # two working days left on Monday: 29 and 30 September
    row = contest(issue, today=MON_28_SEP)
    assert issue.state is IssueState.CONTESTED and row.days_left == 2 and row.state_before is IssueState.ASSIGNED
    assert issue.paused_days == 2 and issues.unit_view(issue).paused_days == 2
    issues.reject(issue, user("leader"), "窗口属本单位，记录无误", today=WED_30_SEP)
    # Two working days from Wednesday 30 September: 1-7 October are off, so Thursday 8 and Friday 9.
    assert issue.deadline == date(2026, 10, 9)
    assert issue.state is IssueState.ASSIGNED and issue.paused_days is None
    assert row.outcome is ContestOutcome.REJECTED and row.decision_note == "窗口属本单位，记录无误"
    assert row.decided_by_id == user("leader").id and row.decided_on == WED_30_SEP
    assert kinds(issue)[-2:] == ["contested", "contest_rejected"]
    assert issue.events[-2].to_state == "contested" and issue.events[-1].from_state == "contested"
    assert audited("issue.contested") == 1 and audited("issue.contest_rejected") == 1
    # The make-up Saturday counts: two working days from Thursday 8 October end on Saturday 10.
    assert issues.resumed_deadline(row, THU_8_OCT) == date(2026, 10, 10)


def test_a_reopened_issue_contested_and_rejected_is_reopened_again(county) -> None:
    issue = open_issue()
    issue.state = IssueState.REOPENED
    contest(issue)
    issues.reject(issue, user("leader"), "复发属实", today=MON_28_SEP)
    assert issue.state is IssueState.REOPENED


def test_one_contest_a_round_once_rejected(county) -> None:
    issue = open_issue()
    contest(issue)
    issues.reject(issue, user("leader"), "记录无误", today=MON_28_SEP)
    assert "contest" not in issues.steps(issue, user("unit-market"))
    with pytest.raises(ServiceError, match="已被驳回"):
        contest(issue)


def test_an_issue_overdue_when_contested_keeps_its_deadline_on_rejection(county) -> None:
    issue = open_issue()
    issue.deadline = date(2026, 9, 25)
    row = contest(issue, today=MON_28_SEP)
    assert row.days_left == -1
    issues.reject(issue, user("leader"), "记录无误", today=THU_8_OCT)
    assert issue.deadline == date(2026, 9, 25) and issue.overdue(THU_8_OCT)


def test_transfer_gives_the_named_unit_a_fresh_deadline(county) -> None:
    issue = open_issue()
    market, water = user("unit-market"), user("unit-water")
    row = contest(issue, ContestKind.NOT_OUR_DUTY, proposed="unit-water")
    assert row.proposed_unit_id == water.unit_id
    issues.transfer(issue, user("leader"), None, None, "由供水窗口负责", today=WED_30_SEP)
    db.session.flush()
    assert issue.lead_unit_id == water.unit_id and issue.state is IssueState.ASSIGNED
    assert issue.deadline == calendar.add_working_days(WED_30_SEP, issues.RECTIFICATION_DAYS[issue.severity])
    assert issue.deadline == issues.default_deadline(issue, WED_30_SEP) > date(2026, 10, 8)
    assert row.outcome is ContestOutcome.TRANSFERRED and row.new_unit_id == water.unit_id
    assert not issues.is_responsible(issue, market) and issues.is_responsible(issue, water)
    assert kinds(issue)[-1] == "contest_transferred" and issue.events[-1].params == {
        "old": market.unit.name, "new": water.unit.name}
    assert audited("issue.contest_transferred") == 1
    # The new unit answers from the start, and may contest in its turn.
    assert {"start", "report", "contest"} <= issues.steps(issue, water)
    assert issues.steps(issue, market) == frozenset()


def test_transfer_to_a_unit_and_deadline_the_leader_picks(county) -> None:
    issue = open_issue()
    contest(issue, ContestKind.NOT_OUR_DUTY, proposed="unit-water")
    other = user("unit-gas").unit_id
    issues.transfer(issue, user("leader"), other, date(2026, 10, 20), today=WED_30_SEP)
    db.session.flush()
    assert issue.lead_unit_id == other and issue.deadline == date(2026, 10, 20)


def test_transfer_refusals(county) -> None:
    issue = open_issue()
    contest(issue, ContestKind.NOT_OUR_DUTY, proposed="unit-water")
    leader = user("leader")
    with pytest.raises(ServiceError) as same:
        issues.transfer(issue, leader, issue.lead_unit_id, None, today=WED_30_SEP)
    assert same.value.field == "unit_id"
    with pytest.raises(ServiceError) as past:
        issues.transfer(issue, leader, None, date(2026, 9, 29), today=WED_30_SEP)
    assert past.value.field == "deadline"
    assert issue.state is IssueState.CONTESTED


def test_dismissal_closes_the_issue_and_keeps_the_visits_record(county) -> None:
    issue = open_issue()
    finding = issue.occurrences[0].finding
    title, detail, visit = finding.title_zh, finding.detail, finding.visit
    answers = {a.question_key: a.value for a in db.session.scalars(
        sa.select(VisitAnswer).where(VisitAnswer.visit_id == visit.id))}
    contest(issue, ContestKind.WRONG_FINDING)
    issues.dismiss_finding(issue, user("leader"), "核实录像，窗口人员态度正常", today=WED_30_SEP)
    assert issue.state is IssueState.CLOSED and issue.closed_on == WED_30_SEP
    assert kinds(issue)[-1] == "contest_dismissed" and issue.events[-1].note == "核实录像，窗口人员态度正常"
    assert issue.contests[-1].outcome is ContestOutcome.DISMISSED
    db.session.flush()
    db.session.expire_all()
    finding = issue.occurrences[0].finding
    assert finding.state is FindingState.DISMISSED
    assert (finding.title_zh, finding.detail, finding.visit_id) == (title, detail, visit.id)
    assert {a.question_key: a.value for a in db.session.scalars(
        sa.select(VisitAnswer).where(VisitAnswer.visit_id == visit.id))} == answers
    assert audited("issue.contest_dismissed") == 1


def test_a_paused_deadline_is_not_overdue_or_due(county) -> None:
    issue = open_issue()
    issue.deadline = date(2026, 9, 25)
    today = MON_28_SEP
    assert issue.overdue(today) and issues.search(issues.IssueFilter(overdue=True), today) == [issue]
    scope = metrics.Filter(start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert metrics.summary(scope, today).overdue == 1
    contest(issue, today=today)
    db.session.flush()
    assert not issue.overdue(today) and not issues.unit_view(issue).overdue(today)
    assert issues.search(issues.IssueFilter(overdue=True), today) == []
    assert metrics.summary(scope, today).overdue == 0
    assert issues.leader_todo(today).due == () and issues.leader_todo(today).contests_to_decide == 1
    assert issues.unit_todo(issue.lead_unit_id, today).due == ()


def test_contest_refusals(county) -> None:
    issue = open_issue()
    with pytest.raises(ServiceError):
        contest(issue, unit="unit-water")  # not its issue
    with pytest.raises(ServiceError) as missing:
        issues.contest(issue, user("unit-market"), ContestKind.WRONG_FINDING, "  ", None, [], storage())
    assert missing.value.field == "reason"
    with pytest.raises(ServiceError) as unnamed:
        contest(issue, ContestKind.NOT_OUR_DUTY)
    assert unnamed.value.field == "proposed_unit_id"
    with pytest.raises(ServiceError) as own:
        contest(issue, ContestKind.NOT_OUR_DUTY, proposed="unit-market")
    assert own.value.field == "proposed_unit_id"
    with pytest.raises(ServiceError) as bad_photo:
        contest(issue, files=[("x.jpg", io.BytesIO(b"%PDF-1.4 not a photo"))])
    assert bad_photo.value.field is None or bad_photo.value.field == "evidence"
    with pytest.raises(ServiceError, match="开始整改之前"):
        issues.start(issue, user("unit-market"))
        contest(issue)
    with pytest.raises(ServiceError, match="没有待裁定的申诉"):
        issues.reject(issue, user("leader"), "无申诉")
    assert issue.contests == [] and "contested" not in kinds(issue)


def test_contest_keeps_evidence_photos_on_the_timeline(county) -> None:
    issue = open_issue()
    contest(issue, files=[("a.jpg", io.BytesIO(encoded("JPEG")))])
    event = issue.events[-1]
    assert event.kind == "contested" and len(event.evidence) == 1
    with pytest.raises(ServiceError, match="已在申诉中"):
        contest(issue)
    assert "decide_contest" in issues.steps(issue, user("leader"))
    assert issues.steps(issue, user("unit-market")) == frozenset()  # nothing to answer while it waits


def test_an_extension_waits_while_the_contest_is_decided(county) -> None:
    issue = open_issue()
    issues.request_extension(issue, user("unit-market"), 5, "需外地调取材料")
    contest(issue)
    assert "decide_extension" not in issues.steps(issue, user("leader"))
    with pytest.raises(ServiceError, match="请先裁定申诉"):
        issues.decide_extension(issue, user("leader"), True)
    issues.reject(issue, user("leader"), "记录无误", today=MON_28_SEP)
    assert "decide_extension" in issues.steps(issue, user("leader"))
