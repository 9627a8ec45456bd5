"""Contests (申诉) through the test client: the unit's form, the leaders' decision, refusals."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Issue, IssueContest, IssueEvent, IssueState, Unit
from app.services import issues
from tests.photo_samples import encoded
from tests.test_issue_views import approve, loop  # noqa: F401  (the fixture)
from tests.test_visit_views import client_for


@pytest.fixture
def contested(seeded, loop):  # noqa: F811
    """The approved loop's attitude issue, and the ids the tests need."""
    approve(loop)
    with seeded.app_context():
        issue = db.session.scalar(sa.select(Issue).where(Issue.title == "服务态度差"))
        water = db.session.scalar(sa.select(Unit.id).where(Unit.code == "water"))
        return {"issue_id": issue.id, "water": water, "leader": loop["leader"],
                "unit": client_for(seeded, "unit-market")}


def counts(app, issue_id: int) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(IssueEvent)
                                  .where(IssueEvent.issue_id == issue_id)),
                db.session.scalar(sa.select(sa.func.count()).select_from(IssueContest)))


def send(client, issue_id: int, **data):
    form = {"contest-kind": "not_our_duty", "contest-reason": "该窗口由供水公司派驻", **data}
    return client.post(f"/issues/{issue_id}/contest", content_type="multipart/form-data", data=form)


def test_unit_contests_with_evidence_and_the_leader_transfers(seeded, contested) -> None:
    issue_id, unit, leader = contested["issue_id"], contested["unit"], contested["leader"]
    page = unit.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'name="contest-kind"' in page and "提出申诉" in page
    response = send(unit, issue_id, **{"contest-proposed_unit_id": str(contested["water"]),
                                       "contest-evidence": (io.BytesIO(encoded("JPEG")), "派驻函.jpg")})
    assert response.status_code == 302
    page = unit.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "单位提出申诉" in page and "申诉中（时限暂停）" in page and "/photos/evidence/" in page
    assert 'name="contest-kind"' not in page and "申诉期间暂停" in page
    # The leader's page offers the decision, defaulting to the named unit and a fresh deadline.
    page = leader.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "待裁定的申诉" in page and "县供水有限公司" in page
    selected = re.search(r'<option selected value="(\d+)">|<option value="(\d+)" selected>', page)
    assert selected and str(contested["water"]) in selected.groups()
    with seeded.app_context():
        default = issues.default_deadline(db.session.get(Issue, issue_id), issues.china_today())
    assert f'value="{default.isoformat()}"' in page
    response = leader.post(f"/issues/{issue_id}/contest/transfer", data={
        "transfer-unit_id": str(contested["water"]), "transfer-deadline": default.isoformat(), "transfer-note": ""})
    assert response.status_code == 302
    with seeded.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue.lead_unit_id == contested["water"] and issue.state is IssueState.ASSIGNED
        assert issue.deadline == default
        assert [e.kind for e in issue.events][-2:] == ["contested", "contest_transferred"]
    # The issue has left the contesting unit, and reached the new one.
    assert unit.get(f"/issues/{issue_id}").status_code == 404
    assert "申诉成立：转办" in client_for(seeded, "unit-water").get(f"/issues/{issue_id}").get_data(as_text=True)


def test_leader_dismisses_or_rejects_with_a_reason(seeded, contested) -> None:
    issue_id, unit, leader = contested["issue_id"], contested["unit"], contested["leader"]
    assert send(unit, issue_id, **{"contest-kind": "wrong_finding"}).status_code == 302
    before = counts(seeded, issue_id)
    refused = leader.post(f"/issues/{issue_id}/contest/reject", data={"reject-note": " "})
    assert refused.status_code == 422 and counts(seeded, issue_id) == before
    assert leader.post(f"/issues/{issue_id}/contest/dismiss",
                       data={"dismiss-note": "核实后认定有误"}).status_code == 302
    with seeded.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue.state is IssueState.CLOSED and issue.events[-1].kind == "contest_dismissed"
    assert "撤销问题认定，予以销号" in unit.get(f"/issues/{issue_id}").get_data(as_text=True)


def test_reject_returns_the_issue_to_the_unit(seeded, contested) -> None:
    issue_id, unit, leader = contested["issue_id"], contested["unit"], contested["leader"]
    assert send(unit, issue_id, **{"contest-kind": "wrong_finding"}).status_code == 302
    assert leader.post(f"/issues/{issue_id}/contest/reject", data={"reject-note": "记录无误"}).status_code == 302
    with seeded.app_context():
        assert db.session.get(Issue, issue_id).state is IssueState.ASSIGNED
    page = unit.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "申诉驳回：仍由原单位整改" in page and 'name="contest-kind"' not in page


def test_refusals_write_nothing(seeded, contested) -> None:
    issue_id, unit = contested["issue_id"], contested["unit"]
    before = counts(seeded, issue_id)
    assert send(client_for(seeded, "unit-water"), issue_id).status_code == 404  # another unit's issue
    missing = send(unit, issue_id, **{"contest-reason": ""})
    assert missing.status_code == 422 and "此项必填" in missing.get_data(as_text=True)
    unnamed = send(unit, issue_id)  # not our duty, but no unit named
    assert unnamed.status_code == 422 and "请选择一个启用的单位" in unnamed.get_data(as_text=True)
    assert counts(seeded, issue_id) == before
    unit.post(f"/issues/{issue_id}/start")
    started = send(unit, issue_id, **{"contest-kind": "wrong_finding"})
    assert started.status_code == 422 and "只有在开始整改之前才能提出申诉" in started.get_data(as_text=True)
    with seeded.app_context():
        assert db.session.get(Issue, issue_id).state is IssueState.IN_PROGRESS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IssueContest)) == 0


def test_only_leaders_decide(seeded, contested) -> None:
    issue_id, unit = contested["issue_id"], contested["unit"]
    assert send(unit, issue_id, **{"contest-kind": "wrong_finding"}).status_code == 302
    for action, data in (("transfer", {"transfer-unit_id": str(contested["water"])}),
                         ("dismiss", {"dismiss-note": "自行撤销"}), ("reject", {"reject-note": "x"})):
        for client in (unit, client_for(seeded, "unit-water"), client_for(seeded, "inspector1")):
            assert client.post(f"/issues/{issue_id}/contest/{action}", data=data).status_code in (403, 404)
    with seeded.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue.state is IssueState.CONTESTED and issue.contests[-1].outcome is None


@pytest.mark.parametrize("value", ["a\x00b", "x" * 1_000_000])
def test_hostile_text_in_the_contest_forms_is_refused(seeded, contested, value) -> None:
    issue_id, unit, leader = contested["issue_id"], contested["unit"], contested["leader"]
    before = counts(seeded, issue_id)
    assert 400 <= send(unit, issue_id, **{"contest-kind": "wrong_finding", "contest-reason": value}).status_code < 500
    assert counts(seeded, issue_id) == before
    assert send(unit, issue_id, **{"contest-kind": "wrong_finding"}).status_code == 302
    before = counts(seeded, issue_id)
    for action, field in (("transfer", "transfer-note"), ("dismiss", "dismiss-note"), ("reject", "reject-note")):
        data = {"transfer-unit_id": str(contested["water"]), "transfer-deadline": "2099-01-01", field: value}
        assert 400 <= leader.post(f"/issues/{issue_id}/contest/{action}", data=data).status_code < 500
    assert counts(seeded, issue_id) == before
