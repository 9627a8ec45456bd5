"""Visit rules: payloads, timings, materials against the guide, drafts, idempotent submit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Assignment,
    AssignmentState,
    MaterialKind,
    RequiredMaterial,
    ServiceItem,
    SurveyVersion,
    User,
    Visit,
    VisitState,
    Window,
)
from app.services import checklists, issues, visits
from app.services.errors import ServiceError

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
UUID = "4b1f2c3d-1111-4222-8333-444455556666"
COMPLETE = {"help_desk_staffed": True, "signage_found": True, "window_staffed": True, "attitude_score": 4,
            "rude_language": False, "first_contact": "handled", "one_time_notice": "written",
            "matches_online_guide": True, "outcome": "completed", "fee_asked": False}


@pytest.fixture
def county(seeded, db):
    return seeded


def user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


def company_window() -> Window:
    return db.session.scalar(sa.select(Window).where(Window.name == "企业登记窗口"))


def item(code: str) -> ServiceItem:
    return db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == code))


def payload(uuid: str = UUID, **overrides) -> visits.VisitPayload:
    data = {"window_id": company_window().id, "service_item_id": item("market-company-setup").id,
            "marks": {"arrived": T0.isoformat(), "ticket": (T0 + timedelta(minutes=2)).isoformat(),
                      "called": (T0 + timedelta(minutes=47)).isoformat()},
            "answers": dict(COMPLETE), "materials": {"ticked": [], "extra": []}}
    data.update(overrides)
    return visits.parse_payload(uuid, data)


# --- Timings ----------------------------------------------------------------------------------


def test_wait_and_service_minutes() -> None:
    visit = Visit(ticket_at=T0, called_at=T0 + timedelta(minutes=44, seconds=40),
                  served_at=T0 + timedelta(minutes=45), finished_at=T0 + timedelta(minutes=57))
    assert visit.wait_minutes == 45
    assert visit.service_minutes == 12


def test_missing_or_backwards_marks_give_no_minutes() -> None:
    assert Visit(ticket_at=T0).wait_minutes is None
    assert Visit(served_at=T0, finished_at=T0 - timedelta(minutes=1)).service_minutes is None


def test_mark_order_problems() -> None:
    assert visits.mark_problems({"arrived": T0, "ticket": T0 + timedelta(minutes=1)}) == []
    assert visits.mark_problems({"arrived": T0, "called": T0 - timedelta(minutes=1)}) == ["arrived>called"]


# --- Payloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uuid", "data"),
    [("not-a-uuid", {"window_id": 1}), (UUID, []), (UUID, {}), (UUID, {"window_id": "x"}),
     (UUID, {"window_id": 1, "marks": {"lunch": T0.isoformat()}}),
     (UUID, {"window_id": 1, "marks": {"arrived": "yesterday"}}),
     (UUID, {"window_id": 1, "marks": {"arrived": "2026-11-20T09:00:00"}}),  # no time zone
     (UUID, {"window_id": 1, "answers": []}), (UUID, {"window_id": 1, "materials": {"extra": "x"}})],
)
def test_malformed_payloads(uuid, data) -> None:
    with pytest.raises(ServiceError):
        visits.parse_payload(uuid, data)


def test_payload_is_normalised() -> None:
    p = visits.parse_payload(UUID.upper(), {"window_id": "3", "materials": {"ticked": [5, "2", 5],
                                                                              "extra": [" 户口本 ", "", "户口本"]}})
    assert p.uuid == UUID and p.window_id == 3
    assert p.ticked_material_ids == (2, 5) and p.extra_materials == ("户口本",)


# --- Materials against the guide ------------------------------------------------------------------


def test_classify_materials() -> None:
    guide = [RequiredMaterial(id=1, name="公司章程"), RequiredMaterial(id=2, name="身份证复印件", obtainable_by_sharing=True),
             RequiredMaterial(id=3, name="企业名称预先核准通知书", abolished=True)]
    result = visits.classify_materials(guide, [1, 3], ["身份证复印件", "房东户口本", "公司章程"])
    assert result == [("公司章程", MaterialKind.IN_GUIDE, 1), ("企业名称预先核准通知书", MaterialKind.ABOLISHED, 3),
                      ("身份证复印件", MaterialKind.SHARED, 2), ("房东户口本", MaterialKind.EXTRA, None)]
    # A ticked material removed from the guide meanwhile is dropped, so the draft still saves.
    assert visits.classify_materials(guide, [99, 1], []) == [("公司章程", MaterialKind.IN_GUIDE, 1)]


# --- Drafts and submit ----------------------------------------------------------------------------


def test_autosave_creates_then_updates_a_draft(county) -> None:
    inspector = user("inspector1")
    first = visits.save_draft(inspector, payload(answers={"signage_found": False}))
    db.session.commit()
    assert first.state == VisitState.DRAFT
    assert first.survey_version.key == "window-visit" and first.survey_version.version == checklists.registry().current().version
    assert first.wait_minutes == 45
    ids = [m.id for m in item("market-company-setup").materials if m.name in ("公司章程", "验资证明")]
    again = visits.save_draft(inspector, payload(answers={"signage_found": True},
                                                 materials={"ticked": ids, "extra": ["房东户口本"]}))
    db.session.commit()
    assert again.id == first.id
    assert again.answers_dict() == {"signage_found": True}
    assert [(m.name, m.kind) for m in again.materials] == [
        ("公司章程", MaterialKind.IN_GUIDE), ("验资证明", MaterialKind.ABOLISHED), ("房东户口本", MaterialKind.EXTRA)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_draft_checks_window_and_item(county) -> None:
    inspector = user("inspector1")
    with pytest.raises(ServiceError):
        visits.save_draft(inspector, payload(service_item_id=item("gas-connection").id))
    with pytest.raises(ServiceError):
        visits.save_draft(inspector, payload(window_id=999999))


def test_another_inspectors_visit_is_not_found(county) -> None:
    visits.save_draft(user("inspector1"), payload())
    db.session.commit()
    with pytest.raises(visits.VisitNotFound):
        visits.save_draft(user("inspector2"), payload())
    assert visits.find(UUID, user("inspector2")) is None


def test_submit_requires_answers(county) -> None:
    with pytest.raises(visits.SubmitInvalid) as caught:
        visits.submit(user("inspector1"), payload(answers={"signage_found": True}))
    assert {"help_desk_staffed", "attitude_score", "outcome"} <= set(caught.value.problems)


def test_submit_refuses_marks_out_of_order(county) -> None:
    marks = {"arrived": T0.isoformat(), "ticket": (T0 - timedelta(minutes=5)).isoformat()}
    with pytest.raises(visits.SubmitInvalid) as caught:
        visits.submit(user("inspector1"), payload(marks=marks))
    assert "timings" in caught.value.problems


def test_submit_is_idempotent(county) -> None:
    inspector = user("inspector1")
    visit, repeated = visits.submit(inspector, payload(), now=T0)
    db.session.commit()
    assert visit.state == VisitState.SUBMITTED and not repeated
    again, repeated = visits.submit(inspector, payload())
    assert again.id == visit.id and repeated
    with pytest.raises(visits.VisitConflict):
        visits.submit(inspector, payload(answers={**COMPLETE, "attitude_score": 1}))
    with pytest.raises(visits.VisitConflict):
        visits.save_draft(inspector, payload())  # read-only after submit
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_returned_visit_can_be_edited_and_resubmitted(county) -> None:
    inspector = user("inspector1")
    visit, _ = visits.submit(inspector, payload())
    issues.return_visit(visit, user("leader"), "请补充等候人数")
    db.session.commit()
    changed = {**COMPLETE, "people_ahead": 12}
    visits.save_draft(inspector, payload(answers=changed))
    visit, repeated = visits.submit(inspector, payload(answers=changed))
    assert visit.state == VisitState.SUBMITTED and not repeated
    assert visit.answers_dict()["people_ahead"] == 12


def test_discard(county) -> None:
    inspector = user("inspector1")
    visits.save_draft(inspector, payload())
    assert visits.discard(inspector, UUID) == []  # no photo files to remove
    assert visits.discard(inspector, UUID) is None
    visits.submit(inspector, payload())
    with pytest.raises(visits.VisitConflict):
        visits.discard(inspector, UUID)


def test_visit_is_pinned_to_its_template_version(county, app) -> None:
    inspector = user("inspector1")
    visit = visits.save_draft(inspector, payload())
    db.session.commit()
    stored = visit.survey_version
    registry = checklists.registry()
    current = registry.current()
    pinned, later = current.version, current.version + 1
    # Someone edits the file but keeps its version: refused for new visits, old ones unaffected.
    edited = current.model_copy(update={"title": checklists.Text(zh="改过的标题", en="Edited")})
    registry.templates[(current.key, pinned)] = edited
    try:
        with pytest.raises(ServiceError, match="new version"):
            visits.save_draft(inspector, payload(uuid="9b1f2c3d-1111-4222-8333-444455556666"))
        assert checklists.drifted([edited])
        assert checklists.stored_template(stored).title.zh == "政务服务窗口暗访"
        # Raising the version makes it a new template; the old visit keeps its version.
        newer = edited.model_copy(update={"version": later})
        registry.templates[(newer.key, later)] = newer
        second = visits.save_draft(inspector, payload(uuid="9b1f2c3d-1111-4222-8333-444455556666"))
        assert second.survey_version.version == later
        assert db.session.get(Visit, visit.id).survey_version.version == pinned
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyVersion)) == 2
    finally:
        registry.templates.pop((current.key, later), None)
        registry.templates[(current.key, pinned)] = current


# --- Assignments ------------------------------------------------------------------------------------


def test_assign_and_conflict_of_interest(county) -> None:
    leader = user("leader")
    window = company_window()  # run by market
    data = visits.AssignmentData(inspector_id=user("inspector1").id, window_id=window.id,
                                 service_item_id=item("market-company-setup").id, persona="想开餐饮店的个体户")
    assignment = visits.assign(data, actor=leader)
    assert assignment.state == AssignmentState.OPEN
    market_inspector = user("inspector2")
    market_inspector.unit = window.unit
    with pytest.raises(ServiceError, match="本单位"):
        visits.assign(visits.AssignmentData(inspector_id=market_inspector.id, window_id=window.id), actor=leader)
    with pytest.raises(ServiceError):
        visits.assign(visits.AssignmentData(inspector_id=leader.id, window_id=window.id), actor=leader)


def test_submitting_an_assigned_visit_completes_the_assignment(county) -> None:
    inspector = user("inspector1")
    assignment = visits.assign(visits.AssignmentData(inspector_id=inspector.id, window_id=company_window().id),
                               actor=user("leader"))
    db.session.commit()
    assert visits.open_assignments(inspector) == [assignment]
    visits.submit(inspector, payload(assignment_id=assignment.id))
    assert assignment.state == AssignmentState.DONE
    assert visits.open_assignments(inspector) == []
    with pytest.raises(ServiceError):
        visits.cancel_assignment(assignment, actor=user("leader"))


def test_assignment_of_someone_else_is_refused(county) -> None:
    assignment = visits.assign(visits.AssignmentData(inspector_id=user("inspector1").id,
                                                     window_id=company_window().id), actor=user("leader"))
    db.session.commit()
    with pytest.raises(ServiceError):
        visits.save_draft(user("inspector3"), payload(assignment_id=assignment.id))
    assert db.session.get(Assignment, assignment.id).state == AssignmentState.OPEN


@pytest.mark.parametrize(
    "data",
    [{"window_id": "²"}, {"window_id": 10**30}, {"window_id": 1, "marks": {"arrived": "0001-01-01T00:00:00+01:00"}},
     {"window_id": 1, "position": {"latitude": 10**400, "longitude": 1}},
     {"window_id": 1, "position": {"latitude": 25, "longitude": 115, "at": "9999-12-31T23:59:00-05:00"}}],
)
def test_hostile_payloads_are_400_not_500(data) -> None:
    with pytest.raises(ServiceError):
        visits.parse_payload(UUID, data)


def test_huge_numbers_in_answers_are_refused(county) -> None:
    with pytest.raises(ServiceError):
        visits.save_draft(user("inspector1"), payload(answers={"people_ahead": 10**400}))


def test_an_inspector_cannot_start_a_visit_at_their_own_units_window(county) -> None:
    inspector = user("inspector2")  # home unit: water
    water = db.session.scalar(sa.select(Window).where(Window.name == "用水报装窗口"))
    with pytest.raises(ServiceError, match="本单位"):
        visits.save_draft(inspector, visits.parse_payload(UUID, {"window_id": water.id}))
