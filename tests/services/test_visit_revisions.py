"""Returned visits keep their history: one kept submission per return, never changed, and the
comparison of a resubmission with it."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import InvalidTransition, VisitRevision, VisitState
from app.services import checklists, issues, visits
from app.services.errors import ServiceError
from tests.factories import BASE, NOW, T0, submitted, user


@pytest.fixture
def county(seeded, db):
    return seeded


def resubmit(visit, answers: dict, extra: list[str] | None = None, **fields) -> None:
    """The inspector changes the returned visit (autosave), then submits it again."""
    state = visits.draft_state(visit)
    data = {**state, "answers": {**BASE, **answers}, **fields}
    if extra is not None:
        data["materials"] = {"ticked": state["materials"]["ticked"], "extra": extra}
    payload = visits.parse_payload(visit.uuid, data)
    visits.save_draft(visit.inspector, payload)
    _visit, repeated = visits.submit(visit.inspector, payload, now=NOW + timedelta(hours=1))
    assert not repeated


def revisions_of(visit) -> list[VisitRevision]:
    return list(db.session.scalars(sa.select(VisitRevision).where(VisitRevision.visit_id == visit.id)
                                   .order_by(VisitRevision.number)))


def test_each_return_keeps_what_was_reviewed_once_and_it_never_changes(county) -> None:
    visit = submitted({"attitude_score": 4}, extra=["房东户口本"], wait=30)
    reviewed = visits.submission(visit)
    issues.return_visit(visit, user("leader"), "请核实态度评分", now=NOW)
    db.session.commit()
    with pytest.raises(ServiceError):  # a returned visit cannot be returned again: still one revision
        issues.return_visit(visit, user("leader"), "再次退回")
    db.session.rollback()
    [first] = revisions_of(visit)
    assert first.number == 1 and first.return_comment == "请核实态度评分" and first.returned_by == user("leader")
    assert first.submitted_at == NOW and first.content == reviewed
    assert first.content["answers"]["attitude_score"] == 4
    assert first.content["materials"] == [{"name": "房东户口本", "kind": "extra"}]
    assert first.content["marks"]["called"] == (T0 + timedelta(minutes=30)).isoformat()
    assert first.content["figures"]["wait_min"] == 30
    kept = copy.deepcopy(first.content)

    resubmit(visit, {"attitude_score": 2, "first_contact": "referred"}, extra=["房东户口本", "社保证明"])
    db.session.commit()
    assert visit.state is VisitState.SUBMITTED and visit.answers_dict()["attitude_score"] == 2
    assert [r.number for r in revisions_of(visit)] == [1]  # resubmitting adds nothing
    issues.return_visit(visit, user("leader"), "还需补充", now=NOW + timedelta(hours=2))
    resubmit(visit, {"attitude_score": 3})
    issues.approve(visit, user("leader"), now=NOW)
    db.session.commit()
    db.session.expire_all()
    first, second = revisions_of(visit)
    assert first.content == kept and first.return_comment == "请核实态度评分"
    assert second.number == 2 and second.content["answers"]["attitude_score"] == 2
    assert second.content["answers"]["first_contact"] == "referred"
    assert [m["name"] for m in second.content["materials"]] == ["房东户口本", "社保证明"]
    assert visits.history(visit).number == 3


def test_a_kept_submission_refuses_any_change_or_deletion(county) -> None:
    visit = submitted()
    issues.return_visit(visit, user("leader"), "请补充")
    db.session.commit()
    [revision] = revisions_of(visit)
    revision.content = {**revision.content, "answers": {}}
    with pytest.raises(InvalidTransition):
        db.session.flush()
    db.session.rollback()
    [revision] = revisions_of(visit)
    db.session.delete(revision)
    with pytest.raises(InvalidTransition):
        db.session.flush()
    db.session.rollback()
    assert revisions_of(visit)[0].content["answers"] == visit.answers_dict()


def test_compare_gives_exactly_the_changed_questions_with_display_values(county) -> None:
    template = checklists.registry().current()
    before = {"answers": dict(BASE), "materials": [{"name": "房东户口本", "kind": "extra"}],
              "marks": {"arrived": "2026-11-20T01:00:00+00:00"}}
    changed_answers = {**BASE, "attitude_score": 2, "first_contact": "referred"}
    del changed_answers["signage_found"]
    after = {"answers": changed_answers, "materials": [{"name": "房东户口本", "kind": "extra"}],
             # The same instant written in China's zone, then a new mark.
             "marks": {"arrived": "2026-11-20T09:00:00+08:00", "ticket": "2026-11-20T01:05:00+00:00"}}
    changes = visits.compare(template, before, after)
    assert [(c.key, c.label, c.old, c.new) for c in changes] == [
        ("signage_found", "能通过标识找到办理本事项的窗口", "是", "—"),
        ("attitude_score", "服务态度评分", "4", "2"),
        ("first_contact", "首位被询问的工作人员", "直接办理或解答", "准确引导到其他窗口"),
        ("mark_ticket", "计时：取号", "—", "09:05:00"),
    ]
    assert all(c.changed for c in changes)
    assert visits.compare(template, before, before) == []
    everything = visits.compare(template, before, after, unchanged=True)
    answered = [q.key for q in template.questions() if q.kind.answered and q.key in BASE]
    assert [c.key for c in everything][:len(answered)] == answered  # unanswered in both: left out
    assert [c.key for c in everything][len(answered):] == ["mark_arrived", "mark_ticket", "materials"]
    assert {c.key for c in everything if c.changed} == {c.key for c in changes}


def test_compare_shows_materials_matter_and_position(county) -> None:
    template = checklists.registry().current()
    before = {"answers": {}, "materials": [{"name": "营业执照", "kind": "in_guide"}],
              "service_item": {"id": 1, "name": "企业开办"}, "position": None}
    after = {"answers": {}, "materials": [{"name": "营业执照", "kind": "in_guide"},
                                          {"name": "房东户口本", "kind": "extra"}],
             "service_item": None,
             "position": {"latitude": 25.1, "longitude": 115.4, "accuracy_m": 10, "distance_m": 120.4}}
    rows = {c.key: (c.old, c.new) for c in visits.compare(template, before, after)}
    assert rows == {"service_item": ("企业开办", "—"), "materials": ("营业执照", "营业执照、房东户口本（指南外）"),
                    "position": ("未记录位置", "距大厅 120 米")}


def test_history_none_until_returned_then_awaiting_then_compared(county) -> None:
    visit = submitted({"attitude_score": 4})
    assert visits.history(visit) is None
    issues.return_visit(visit, user("leader"), "请核实")
    waiting = visits.history(visit)
    assert waiting.number == 2 and waiting.changes is None and waiting.changed == []
    resubmit(visit, {"attitude_score": 5})
    shown = visits.history(visit)
    assert shown.number == 2 and [r.number for r in shown.revisions] == [1]
    assert [(c.key, c.old, c.new) for c in shown.changed] == [("attitude_score", "4", "5")]
    assert "first_contact" in {c.key for c in shown.unchanged}
