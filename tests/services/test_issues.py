"""Approval into issues, aggregation and recurrence, units, deadlines, and the lifecycle."""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    TRANSITIONS,
    Assignment,
    Category,
    FindingState,
    InvalidTransition,
    Issue,
    IssueState,
    RectificationType,
    Role,
    Severity,
    Unit,
    User,
    VisitState,
)
from app.services import calendar, checklists, issues
from app.services.errors import ServiceError
from tests.factories import NOW, make_visit, revisited, submitted, user
from tests.photo_samples import encoded


@pytest.fixture
def county(seeded, db):
    return seeded


# --- Calendar -------------------------------------------------------------------------------------


def test_only_a_submitted_visit_can_be_approved(county) -> None:
    draft = make_visit()
    with pytest.raises(ServiceError, match="只能审核已提交的暗访记录"):
        issues.approve(draft, user("leader"), now=NOW)
    assert draft.state.value == "draft"


def test_deadlines_skip_the_national_day_holiday_and_count_the_make_up_day(county) -> None:
    # 2026: 1-7 Oct off; Sun 20 Sep and Sat 10 Oct are make-up working days.
    assert calendar.is_working_day(date(2026, 9, 20)) and not calendar.is_working_day(date(2026, 10, 1))
    assert calendar.add_working_days(date(2026, 9, 28), 3) == date(2026, 10, 8)  # 29, 30 Sep, 8 Oct
    assert calendar.add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)
    assert calendar.add_working_days(date(2026, 10, 8), 2) == date(2026, 10, 10)  # Saturday, a working day
    assert calendar.working_days_between(date(2026, 9, 28), date(2026, 10, 12)) == 6


def test_announced_days_override_the_package(county) -> None:
    calendar.set_day(date(2027, 10, 9), True, "调休上班")
    calendar.set_day(date(2027, 10, 8), False, "国庆节")
    assert calendar.is_working_day(date(2027, 10, 9), calendar.overrides(date(2027, 10, 1), date(2027, 10, 31)))
    assert calendar.add_working_days(date(2027, 10, 7), 1) == date(2027, 10, 9)
    calendar.remove_day(date(2027, 10, 9))
    assert calendar.announced_days(2027)[0].day == date(2027, 10, 8)


# --- Approval, aggregation, recurrence ----------------------------------------------------------


def test_nothing_reaches_a_unit_before_approval(county) -> None:
    visit = submitted({"attitude_score": 1})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Issue)) == 0
    touched = issues.approve(visit, user("leader"), now=NOW)
    assert visit.state == VisitState.APPROVED
    (issue,) = touched
    assert issue.category == Category.ATTITUDE and issue.state == IssueState.ASSIGNED
    assert issue.lead_unit.code == "market" and issue.window_id == visit.window_id
    assert issue.deadline == date(2026, 10, 16)  # medium: 10 working days, across National Day and 10 Oct (a Saturday worked)
    assert issue.rectification_type == RectificationType.DEADLINE
    assert [e.kind for e in issue.events] == ["assigned"]


def test_dismissed_findings_do_not_become_issues_and_manual_ones_do(county) -> None:
    leader = user("leader")
    visit = submitted({"attitude_score": 1, "hall_clean": False})
    by_title = {f.title_zh: f for f in checklists.of_visit(visit)}
    issues.dismiss(by_title["大厅环境不整洁"], leader, "保洁刚结束")
    issues.regrade(by_title["服务态度差"], Severity.HIGH, leader)
    issues.add_manual(visit, issues.ManualFinding(Category.OTHER, Severity.LOW, "叫号屏故障", hall_level=True), leader)
    touched = issues.approve(visit, leader, now=NOW)
    assert sorted((i.category, i.severity, i.window_id is None) for i in touched) == [
        (Category.ATTITUDE, Severity.HIGH, False), (Category.OTHER, Severity.LOW, True)]
    assert by_title["大厅环境不整洁"].state == FindingState.DISMISSED


def test_repeat_adds_an_occurrence_and_repeat_after_close_reopens(county) -> None:
    leader = user("leader")
    first = issues.approve(submitted({"attitude_score": 2}), leader, now=NOW)[0]
    second = issues.approve(submitted({"attitude_score": 1}), leader, now=NOW)[0]
    assert second.id == first.id and len(first.occurrences) == 2
    assert not any(o.recurrence for o in first.occurrences)
    unit_user = user("unit-market")
    issues.start(first, unit_user)
    issues.report(first, unit_user, "已约谈并培训", [], db_storage())
    issues.close_with_reason(first, leader, "培训记录齐全")
    assert first.state == IssueState.CLOSED and first.closed_on
    third = issues.approve(submitted({"attitude_score": 1}), leader, now=NOW)[0]
    assert third.id == first.id and third.state == IssueState.REOPENED
    assert third.occurrences[-1].recurrence and third.closed_on is None
    assert "reopened" in [e.kind for e in third.events]


def test_comprehensive_window_materials_led_by_the_items_unit(county) -> None:
    leader = user("leader")
    visit = submitted({"attitude_score": 1}, extra=["房东户口本"], hall="安远县政务服务中心", window="A01")
    touched = {i.category: i for i in issues.approve(visit, leader, now=NOW)}
    materials = touched[Category.MATERIALS]
    assert materials.lead_unit.code == "market" and [u.code for u in materials.supporting_units] == ["approval"]
    assert touched[Category.ATTITUDE].lead_unit.code == "approval"  # conduct: the window's unit


# --- The lifecycle ----------------------------------------------------------------------------------


def db_storage():
    from flask import current_app

    return current_app.extensions["ruwo_storage"]


def open_issue() -> Issue:
    return issues.approve(submitted({"attitude_score": 1}), user("leader"), now=NOW)[0]


def test_every_transition_allowed_or_refused_by_the_table() -> None:
    for source in IssueState:
        for target in IssueState:
            issue = Issue(state=source)
            if target in TRANSITIONS[source]:
                issue.move(target)
                assert issue.state == target
            else:
                with pytest.raises(InvalidTransition):
                    issue.move(target)


def test_unit_reports_with_evidence_and_leader_closes(county) -> None:
    issue, unit_user, leader = open_issue(), user("unit-market"), user("leader")
    issues.start(issue, unit_user)
    event = issues.report(issue, unit_user, "更换窗口人员并开展培训", [("a.jpg", io.BytesIO(encoded("JPEG")))],
                          db_storage())
    assert issue.state == IssueState.REPORTED and len(event.evidence) == 1
    issues.begin_review(issue, leader)
    with pytest.raises(ServiceError):
        issues.close_with_reason(issue, leader, "  ")
    issues.close_with_reason(issue, leader, "佐证材料充分")
    assert issue.state == IssueState.CLOSED
    assert [e.kind for e in issue.events] == ["assigned", "started", "reported", "review_started", "closed_by_leader"]


def test_bad_evidence_leaves_nothing(county) -> None:
    issue, unit_user = open_issue(), user("unit-market")
    before = set(db_storage().keys())
    with pytest.raises(ServiceError):
        issues.report(issue, unit_user, "措施", [("ok.jpg", io.BytesIO(encoded("JPEG"))),
                                                ("bad.jpg", io.BytesIO(b"not a photo"))], db_storage())
    assert issue.state == IssueState.ASSIGNED
    assert set(db_storage().keys()) == before


def test_review_fails_back_to_in_progress_with_a_counter(county) -> None:
    issue, unit_user, leader = open_issue(), user("unit-market"), user("leader")
    issues.explain(issue, unit_user, "当天系统故障")
    issues.begin_review(issue, leader)
    issues.send_back(issue, leader, "解释不成立，请整改")
    assert issue.state == IssueState.IN_PROGRESS and issue.rework_count == 1


def test_only_the_responsible_unit_acts(county) -> None:
    issue = open_issue()
    for name in ("unit-water", "leader", "inspector1"):
        with pytest.raises(ServiceError):
            issues.start(issue, user(name))
    supporting = user("unit-approval")
    issue.supporting_units.append(db.session.scalar(sa.select(Unit).where(Unit.code == "approval")))
    issues.start(issue, supporting)  # a supporting unit may report too


def test_the_steps_offered_follow_the_lifecycle(county) -> None:
    issue, unit_user, leader = open_issue(), user("unit-market"), user("leader")
    assert issues.steps(issue, unit_user) == {"start", "report", "explain", "extension", "contest"}
    assert issues.steps(issue, leader) == {"escalate", "settings"}
    assert issues.steps(issue, user("unit-water")) == frozenset() == issues.steps(issue, user("inspector1"))
    issues.request_extension(issue, unit_user, 5, "材料需外地调取")
    assert "extension" not in issues.steps(issue, unit_user) and "decide_extension" in issues.steps(issue, leader)
    issues.report(issue, unit_user, "已整改", [], db_storage())
    assert issues.steps(issue, unit_user) == frozenset()  # reported: nothing to answer now
    assert {"begin_review", "close", "send_back", "revisit"} <= issues.steps(issue, leader)
    for _ in range(issues.ESCALATION_MAX):
        issues.escalate(issue, leader)
    assert "escalate" not in issues.steps(issue, leader)
    with pytest.raises(ServiceError):
        issues.escalate(issue, leader)  # the page and the service agree


def test_forbidden_steps_are_refused(county) -> None:
    issue, leader = open_issue(), user("leader")
    with pytest.raises(ServiceError):
        issues.begin_review(issue, leader)  # nothing reported yet
    with pytest.raises(ServiceError):
        issues.close_with_reason(issue, leader, "直接销号")  # close-out needs a report
    with pytest.raises(ServiceError):
        issues.send_revisit([issue], leader, user("inspector2").id)


def _values(value: object) -> list[object]:
    """Every value inside a unit's view (dataclasses, tuples), depth first."""
    if dataclasses.is_dataclass(value):
        return [value, *(v for f in dataclasses.fields(value) for v in _values(getattr(value, f.name)))]
    if isinstance(value, tuple):
        return [value, *(v for item in value for v in _values(item))]
    return [value]


def test_a_units_view_holds_nothing_of_the_visits_and_never_announces_a_revisit(county) -> None:
    issue, unit_user, leader = open_issue(), user("unit-market"), user("leader")
    issues.report(issue, unit_user, "已整改", [], db_storage())
    assignment = issues.send_revisit([issue], leader, user("inspector3").id)
    revisited(assignment, "not_fixed", {"attitude_score": 1})

    view = issues.unit_view(issue)
    inside = _values(view)
    assert not [v for v in inside if isinstance(v, db.Model)], "a unit's view holds rows (visits, users)"
    watchers = db.session.scalars(sa.select(User).where(User.role.in_([Role.INSPECTOR, Role.LEADER]))).all()
    names = {u.username for u in watchers} | {u.display_name for u in watchers if u.display_name}
    assert not names & {v for v in inside if isinstance(v, str)}
    kinds = [e.kind for e in view.events]
    assert "revisit_assigned" not in kinds and "revisit_failed" not in kinds and kinds[-1] == "sent_back"
    assert [e.by_leaders for e in view.events if e.kind == "sent_back"] == [True]
    assert [o.observed_on for o in view.occurrences] == [o.observed_on for o in issue.occurrences]
    assert "、".join(p.title for p in view.problems) == issue.title and view.lead_unit.name == issue.lead_unit.name


def test_extension_accepted_moves_the_deadline_in_working_days(county) -> None:
    issue, unit_user, leader = open_issue(), user("unit-market"), user("leader")
    before = issue.deadline
    issues.request_extension(issue, unit_user, 5, "需采购设备")
    with pytest.raises(ServiceError):
        issues.request_extension(issue, unit_user, 5, "再要一次")
    issues.decide_extension(issue, leader, accept=True)
    assert calendar.working_days_between(before, issue.deadline) == 5
    issues.request_extension(issue, unit_user, 3, "还需时间")
    issues.decide_extension(issue, leader, accept=False, note="不予延期")
    assert calendar.working_days_between(before, issue.deadline) == 5


def test_overdue_is_derived_and_escalation_goes_to_three(county) -> None:
    issue, leader = open_issue(), user("leader")
    assert not issue.overdue(issue.deadline) and issue.overdue(date(2026, 12, 31))
    for level in (1, 2, 3):
        issues.escalate(issue, leader)
        assert issue.escalation_level == level
    with pytest.raises(ServiceError):
        issues.escalate(issue, leader)


def test_todo_lists(county) -> None:
    issue = open_issue()
    assert issues.unit_todo(issue.lead_unit_id, date(2026, 10, 14)).issues_to_answer == 1
    assert issues.unit_todo(issue.lead_unit_id, date(2026, 10, 14)).due == (issue,)  # due within 3 working days
    assert issues.unit_todo(issue.lead_unit_id, date(2026, 9, 28)).due == ()
    todo = issues.leader_todo(date(2026, 9, 28))
    assert todo.visits_to_review == 0 and todo.reports_to_verify == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def test_the_leaders_todo_counts_each_kind_of_waiting_apart(county) -> None:
    found = issues.approve(submitted({"attitude_score": 1}, extra=("营业执照复印件",)), user("leader"), now=NOW)
    assert len(found) == 2
    submitted({"attitude_score": 2})  # a second visit waits for review
    # States set directly: this is about the counting, not the transitions.
    found[0].state, found[1].state = IssueState.REPORTED, IssueState.CONTESTED
    found[0].extension_days_requested = 5
    db.session.flush()
    todo = issues.leader_todo(date(2026, 9, 28))
    assert (todo.visits_to_review, todo.reports_to_verify, todo.contests_to_decide, todo.extensions_to_decide) \
        == (1, 1, 1, 1)
    found[0].state = IssueState.CLOSED  # a closed issue's old request no longer waits
    db.session.flush()
    todo = issues.leader_todo(date(2026, 9, 28))
    assert (todo.reports_to_verify, todo.extensions_to_decide, todo.contests_to_decide) == (0, 0, 1)


def test_no_extension_is_offered_or_taken_once_the_unit_has_reported(seeded) -> None:
    from flask import current_app

    from app.extensions import db
    from app.services import issues
    from app.services.errors import ServiceError
    from tests.factories import approved, user

    with seeded.app_context():
        issue = approved({"attitude_score": 1})[0]
        unit = user("unit-market")
        assert "extension" in issues.steps(issue, unit)
        issues.report(issue, unit, "已整改", [], current_app.extensions["ruwo_storage"])
        db.session.flush()
        assert "extension" not in issues.steps(issue, unit)
        with pytest.raises(ServiceError):
            issues.request_extension(issue, unit, 5, "还需时间")
