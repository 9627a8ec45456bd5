"""Re-visits verify exactly what they were sent for: the points, the verdicts, each way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Category, InspectorConflict, IssueState, Unit, Verdict
from app.services import issues, visits
from app.services.errors import ServiceError
from tests.factories import approved, revisited, user


@pytest.fixture
def county(seeded, db):
    return seeded


def storage():
    from flask import current_app

    return current_app.extensions["ruwo_storage"]


def reported(answers: dict | None = None, **kwargs):
    """Issues of one approved visit (inspector1), each reported fixed by its unit."""
    found = approved(answers or {"attitude_score": 1}, **kwargs)
    for issue in found:
        issues.report(issue, user(f"unit-{issue.lead_unit.code}"), "已整改", [], storage())
    return found


def test_the_points_are_the_findings_in_the_units_words_and_the_matter_is_carried(county) -> None:
    attitude, materials = sorted(reported({"attitude_score": 1}, extra=["房东户口本"]), key=lambda i: i.category)
    assignment = issues.send_revisit([attitude, materials], user("leader"), user("inspector3").id)
    checks = visits.revisit_checks(assignment)
    assert [c.issue_id for c in checks] == [attitude.id, materials.id]
    assert checks[1].text == "多要材料：要求提供房东户口本" and checks[1].category is Category.MATERIALS
    assert assignment.service_item.code == "market-company-setup" and assignment.window_id == attitude.window_id
    assert "inspector1" not in " ".join(c.text for c in checks) and "暗访员一" not in assignment.note
    assert {attitude.state, materials.state} == {IssueState.UNDER_REVIEW}


def test_every_point_fixed_closes_the_issue(county) -> None:
    issue = reported()[0]
    revisited(issues.send_revisit([issue], user("leader"), user("inspector3").id), "fixed")
    assert issue.state is IssueState.CLOSED and issue.events[-1].kind == "closed_by_revisit"


def test_not_fixed_sends_it_back_with_the_revisit_as_an_occurrence(county) -> None:
    issue = reported()[0]
    revisit = revisited(issues.send_revisit([issue], user("leader"), user("inspector3").id), "not_fixed")
    assert issue.state is IssueState.IN_PROGRESS and issue.rework_count == 1
    assert len(issue.occurrences) == 2 and issue.occurrences[-1].finding.visit_id == revisit.id
    assert issue.events[-1].kind == "revisit_failed"


def test_could_not_check_leaves_it_as_it_was(county) -> None:
    issue = reported()[0]
    revisited(issues.send_revisit([issue], user("leader"), user("inspector3").id), "not_checked")
    assert issue.state is IssueState.UNDER_REVIEW and len(issue.occurrences) == 1
    assert issue.revisit_assignment_id is None and "revisit" in issues.steps(issue, user("leader"))


def test_a_materials_point_is_fixed_only_by_going_through_that_matter(county) -> None:
    issue = reported({}, extra=["房东户口本"])[0]
    assert issue.category is Category.MATERIALS
    revisited(issues.send_revisit([issue], user("leader"), user("inspector3").id), "fixed", item=None)
    assert issue.state is IssueState.UNDER_REVIEW  # judged "fixed" without asking for that matter
    revisited(issues.send_revisit([issue], user("leader"), user("inspector2").id), "fixed")
    assert issue.state is IssueState.CLOSED


def test_one_revisit_decides_each_of_its_issues_on_its_own_points(county) -> None:
    attitude, materials = sorted(reported({"attitude_score": 1}, extra=["房东户口本"]), key=lambda i: i.category)
    assignment = issues.send_revisit([attitude, materials], user("leader"), user("inspector3").id)
    checks = {c.issue_id: c.id for c in visits.revisit_checks(assignment)}
    revisited(assignment, {checks[attitude.id]: "fixed", checks[materials.id]: "not_checked"})
    assert attitude.state is IssueState.CLOSED and materials.state is IssueState.UNDER_REVIEW


def test_finding_it_again_in_the_checklist_outweighs_a_fixed_verdict(county) -> None:
    issue = reported()[0]
    revisited(issues.send_revisit([issue], user("leader"), user("inspector3").id), "fixed", {"attitude_score": 1})
    assert issue.state is IssueState.IN_PROGRESS


def test_a_revisit_cannot_be_submitted_without_a_verdict_on_every_point(county) -> None:
    issue = reported()[0]
    assignment = issues.send_revisit([issue], user("leader"), user("inspector3").id)
    with pytest.raises(visits.SubmitInvalid) as refused:
        revisited(assignment, {})
    assert list(refused.value.problems) == [f"verify_{visits.revisit_checks(assignment)[0].id}"]


def test_the_verifier_is_drawn_among_those_who_found_nothing_and_have_no_conflict(county) -> None:
    issue = reported()[0]  # found by inspector1 at the market bureau's window
    market = db.session.scalars(sa.select(Unit).where(Unit.code == "market")).one()
    db.session.add(InspectorConflict(user_id=user("inspector2").id, unit_id=market.id, reason="亲属"))
    drawn = {issues.draw_inspector(issue.window, market.id, issues.finders([issue]), seed) for seed in range(30)}
    assert drawn == {user("inspector3").id}
    db.session.add(InspectorConflict(user_id=user("inspector3").id, unit_id=market.id, reason="曾任职"))
    with pytest.raises(ServiceError):
        issues.send_revisit([issue], user("leader"))
    with pytest.raises(ServiceError):
        issues.send_revisit([issue], user("leader"), user("inspector1").id)  # found it


def test_issues_of_two_windows_need_two_revisits(county) -> None:
    here = reported()[0]
    there = reported(window="02", hall="安远县产城新区云服务大厅", item="realestate-transfer")[0]
    with pytest.raises(ServiceError):
        issues.send_revisit([here, there], user("leader"), user("inspector3").id)
    assert here.state is IssueState.REPORTED and there.state is IssueState.REPORTED


def test_a_verdict_is_one_of_three_words(county) -> None:
    for bad in ({"1": "maybe"}, {"x": "fixed"}, [1], {"1" * 12: "fixed"}):
        with pytest.raises(ServiceError):
            visits.parse_payload("00000000-0000-4000-8000-000000000001",
                                 {"window_id": 1, "marks": {}, "answers": {}, "materials": {}, "verdicts": bad})
    parsed = visits.parse_payload("00000000-0000-4000-8000-000000000001",
                                  {"window_id": 1, "verdicts": {"3": "not_checked", "4": ""}})
    assert parsed.verdicts == {3: Verdict.NOT_CHECKED}
