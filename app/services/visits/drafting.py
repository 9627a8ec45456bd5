"""Drafts autosaved from the phone, idempotent submit, discard.

The phone keeps a visit first (localStorage) and sends the whole draft as JSON; the same
payload shape serves autosave and submit. A visit is found by the UUID the phone made, so a
repeated submit finds the same row; a different payload for a submitted UUID is refused.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm
from sqlalchemy.orm.attributes import set_committed_value

from app.database import adopt, labelled, row_columns
from app.extensions import db
from app.models import (
    MARKS,
    Assignment,
    AssignmentState,
    MaterialKind,
    RequiredMaterial,
    ServiceItem,
    SurveyVersion,
    User,
    Verdict,
    Visit,
    VisitAnswer,
    VisitMaterial,
    VisitState,
    Window,
)
from app.models.base import utcnow
from app.services import audit, calendar, checklists, geo
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.visits import figures, verdicts
from app.services.visits.payload import VisitPayload

T = TypeVar("T")


class VisitNotFound(NotFound):
    """No such visit for this inspector (another's visit looks the same: not found)."""


class VisitConflict(Conflict):
    """The visit is submitted: it cannot change, and a different submit is refused (409)."""


class SubmitInvalid(ServiceError):
    """Answers missing or out of range; ``problems`` maps question keys to messages."""

    status = 422

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(_l("Some answers are missing or out of range."))
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems}


def classify_materials(
    guide: Sequence[RequiredMaterial], ticked_ids: Sequence[int], extra_names: Sequence[str],
) -> list[tuple[str, MaterialKind, int | None]]:
    """(name, kind, guide material id) for each material the window asked for.

    Ticked guide materials are in-guide, abolished or shareable as the guide says. A typed
    name that matches a guide material counts as that material; any other is extra (多要材料).
    """
    by_id = {m.id: m for m in guide}
    by_name = {m.name.strip(): m for m in guide}

    def kind_of(material: RequiredMaterial) -> MaterialKind:
        if material.abolished:
            return MaterialKind.ABOLISHED
        if material.obtainable_by_sharing:
            return MaterialKind.SHARED
        return MaterialKind.IN_GUIDE

    result: list[tuple[str, MaterialKind, int | None]] = []
    seen: set[int] = set()
    for material_id in ticked_ids:
        material = by_id.get(material_id)
        if material is None:
            continue  # the guide changed since the phone loaded it: keep the draft saveable
        seen.add(material.id)
        result.append((material.name, kind_of(material), material.id))
    for name in extra_names:
        material = by_name.get(name)
        if material is not None:
            if material.id not in seen:
                seen.add(material.id)
                result.append((material.name, kind_of(material), material.id))
        else:
            result.append((name, MaterialKind.EXTRA, None))
    return result


#: Built once: every visit page and API call looks its visit up, with the checklist version it
#: is pinned to (its key names the parsed template; the definition itself stays deferred), as
#: plain rows adopted into the session (``find``).
_VISIT_COLUMNS, _VERSION_COLUMNS = row_columns(Visit), row_columns(SurveyVersion, "version__")
_BY_UUID = (sa.select(*labelled(Visit, _VISIT_COLUMNS), *labelled(SurveyVersion, _VERSION_COLUMNS, "version__"))
            .join_from(Visit.__table__, SurveyVersion.__table__)
            .where(Visit.__table__.c.uuid == sa.bindparam("uuid")))
#: Autosave and submit also read the window and its hall (the position's distance, the figures)
#: and the matter (its guide's materials classify the ticked ones).
_LOCKED = sa.select(Visit).where(Visit.uuid == sa.bindparam("uuid")).options(
    orm.joinedload(Visit.survey_version), orm.joinedload(Visit.window).joinedload(Window.hall),
    orm.joinedload(Visit.service_item)).with_for_update(of=Visit)


def _locked(canonical_uuid: str) -> Visit | None:
    """The visit row, locked for this transaction on PostgreSQL (SQLite's writes are serial
    already, BEGIN IMMEDIATE), so an autosave cannot change a visit a submit is sealing."""
    return db.session.scalar(_LOCKED, {"uuid": canonical_uuid})


def find(visit_uuid: str, inspector: User | int, *, lock: bool = False) -> Visit | None:
    """The inspector's own visit with this UUID (None for anyone else's); ``inspector`` may be
    the user's id. ``lock``: the row is locked for this transaction on PostgreSQL."""
    try:
        canonical = str(uuid_module.UUID(visit_uuid))
    except ValueError:
        return None
    session = db.session()
    if session.autoflush:  # as a query would
        session.flush()
    row = session.connection(bind_arguments={"mapper": Visit}).execute(
        _BY_UUID.with_for_update(of=Visit.__table__) if lock else _BY_UUID, {"uuid": canonical}).mappings().first()
    owner = inspector if isinstance(inspector, int) else inspector.id
    if row is None or row["inspector_id"] != owner:
        return None
    visit = adopt(Visit, row, _VISIT_COLUMNS)
    if "survey_version" not in visit.__dict__:
        set_committed_value(visit, "survey_version", adopt(SurveyVersion, row, _VERSION_COLUMNS))
    return visit


def _check_target(inspector: User, payload: VisitPayload) -> tuple[Window, ServiceItem | None, Assignment | None]:
    window = db.session.get(Window, payload.window_id)
    if window is None or not window.active or not window.hall.active:
        raise ServiceError(_l("Choose an active window."), field="window_id")
    if inspector.unit_id is not None and window.unit_id == inspector.unit_id:
        raise ServiceError(_l("An inspector never visits a window of their own unit."), field="window_id")
    item = None
    if payload.service_item_id is not None:
        item = db.session.get(ServiceItem, payload.service_item_id)
        if item is None or item not in window.service_items:
            raise ServiceError(_l("This window does not serve that item."), field="service_item_id")
    assignment = None
    if payload.assignment_id is not None:
        assignment = db.session.scalar(sa.select(Assignment).where(
            Assignment.id == payload.assignment_id, Assignment.unsealed(calendar.china_today())))
        if (assignment is None or assignment.inspector_id != inspector.id
                or assignment.window_id != window.id or assignment.state is not AssignmentState.OPEN):
            raise ServiceError(_l("This assignment is not yours."), field="assignment_id")
    return window, item, assignment


def save_draft(inspector: User, payload: VisitPayload) -> Visit:
    """Create or update the inspector's draft from the phone's payload (autosave).

    When another request created this UUID's draft a moment ago (the unique constraint says
    so), the transaction is rolled back and that draft is updated instead.
    """
    return _once_more_after_a_race(lambda: _save_draft(inspector, payload))


def _once_more_after_a_race(work: Callable[[], T]) -> T:
    """Run ``work``; if a concurrent insert of the same UUID won, roll back and run it again
    (it then finds the row the other request made)."""
    try:
        return work()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return work()


def template_for(assignment: Assignment | None) -> checklists.Template:
    """The checklist a new visit uses: its campaign's version, else the current one."""
    campaign = assignment.campaign if assignment is not None else None
    if campaign is not None:
        pinned = checklists.registry().templates.get((campaign.survey_key, campaign.survey_version))
        if pinned is not None:
            return pinned
    return checklists.registry().current()


def own_assignment(inspector: User, assignment_id: int | None) -> Assignment | None:
    """The inspector's own unsealed assignment ``assignment_id`` (None for any other id)."""
    if not assignment_id:
        return None
    return db.session.scalar(sa.select(Assignment).where(
        Assignment.id == assignment_id, Assignment.inspector_id == inspector.id,
        Assignment.unsealed(calendar.china_today())))


def _save_draft(inspector: User, payload: VisitPayload) -> Visit:
    return _update_draft(inspector, payload, _locked(payload.uuid))


def _update_draft(inspector: User, payload: VisitPayload, visit: Visit | None) -> Visit:
    """Create the draft (``visit`` None) or update it from ``payload``."""
    if visit is not None and visit.inspector_id != inspector.id:
        raise VisitNotFound("no such visit")
    if visit is not None and not visit.editable:
        raise VisitConflict(_l("This visit has been submitted and can no longer change."))
    if visit is None:
        window, item, assignment = _check_target(inspector, payload)
        template = template_for(assignment)
        visit = Visit(uuid=payload.uuid, inspector=inspector, window=window, service_item=item,
                      assignment=assignment, survey_version=checklists.snapshot(template))
        db.session.add(visit)
    elif payload.service_item_id != visit.service_item_id:
        _window, item, _assignment = _check_target(
            inspector, replace(payload, window_id=visit.window_id, assignment_id=visit.assignment_id))
        visit.service_item = item
    # The answers, materials and guide load as they are replaced: without this, each load would
    # first flush what was changed so far (three flushes instead of one).
    with db.session.no_autoflush:
        template = checklists.stored_template(visit.survey_version)
        for name in MARKS:
            setattr(visit, f"{name}_at", payload.marks.get(name))
        _set_position(visit, payload.position)
        cleaned = checklists.clean_answers(template, payload.answers)
        _replace_answers(visit, cleaned)
        guide = visit.service_item.materials if visit.service_item else []
        visit.materials = [
            VisitMaterial(position=i, name=name, kind=kind, required_material_id=material_id)
            for i, (name, kind, material_id) in enumerate(
                classify_materials(guide, payload.ticked_material_ids, payload.extra_materials))
        ]
        visit.updated_at = utcnow()
    verdicts.save(visit, payload.verdicts)  # a re-visit's: flushes first (the rows need the visit's id)
    if visit.id is None:  # a new draft: its insert now, so a lost race (same UUID) raises here
        db.session.flush()
    return visit


def _set_position(visit: Visit, position: tuple[float, float, float | None, datetime | None] | None) -> None:
    if position is None:
        visit.latitude = visit.longitude = visit.accuracy_m = visit.position_at = visit.distance_m = None
        return
    visit.latitude, visit.longitude, visit.accuracy_m, visit.position_at = position
    hall = visit.window.hall
    visit.distance_m = (
        geo.distance_m(geo.Position(position[0], position[1]), geo.Position(hall.latitude, hall.longitude))
        if hall.latitude is not None and hall.longitude is not None else None)


def position_marks(visit: Visit) -> geo.PositionMarks:
    """The visit's position judged against its hall (marks for leaders; never shown to units)."""
    hall = visit.window.hall
    return geo.position_marks(
        geo.Position(visit.latitude, visit.longitude)
        if visit.latitude is not None and visit.longitude is not None else None,
        visit.accuracy_m,
        geo.Position(hall.latitude, hall.longitude)
        if hall.latitude is not None and hall.longitude is not None else None,
        hall.radius_m)


def _replace_answers(visit: Visit, cleaned: Mapping[str, Any]) -> None:
    existing = {a.question_key: a for a in visit.answers}
    kept = []
    for key, value in cleaned.items():
        row = existing.pop(key, None) or VisitAnswer(question_key=key)
        row.value = value
        kept.append(row)
    visit.answers = kept


def mark_problems(marks: Mapping[str, datetime]) -> list[str]:
    """Marks out of order (each must not precede the one before it)."""
    found = []
    previous: tuple[str, datetime] | None = None
    for name in MARKS:
        stamp = marks.get(name)
        if stamp is None:
            continue
        if previous is not None and stamp < previous[1]:
            found.append(f"{previous[0]}>{name}")
        previous = (name, stamp)
    return found


def submit(inspector: User, payload: VisitPayload, now: datetime | None = None) -> tuple[Visit, bool]:
    """Submit the visit; returns (visit, True) when this exact submit had already been made
    (also when a concurrent request inserted the same UUID a moment ago)."""
    return _once_more_after_a_race(lambda: _submit(inspector, payload, now or utcnow()))


def _submit(inspector: User, payload: VisitPayload, now: datetime) -> tuple[Visit, bool]:
    visit = _locked(payload.uuid)
    if visit is not None and visit.inspector_id != inspector.id:
        raise VisitNotFound("no such visit")
    if visit is not None and not visit.editable:
        template = checklists.stored_template(visit.survey_version)
        cleaned = checklists.clean_answers(template, payload.answers)
        if visit.payload_sha256 == payload.digest(cleaned):
            return visit, True
        raise VisitConflict(_l("This visit was already submitted with other content."))
    visit = _update_draft(inspector, payload, visit)  # a lost race propagates to submit's own retry
    template = checklists.stored_template(visit.survey_version)
    cleaned = checklists.clean_answers(template, payload.answers)
    problems = checklists.problems(template, cleaned) | verdicts.problems(visit, payload.verdicts)
    if mark_problems(payload.marks):
        problems["timings"] = _("The timer marks are out of order; correct the times.")
    if problems:
        raise SubmitInvalid(problems)
    visit.submit(now, payload.digest(cleaned))
    figures.record(visit, cleaned)
    checklists.propose(visit)
    if visit.assignment is not None and visit.assignment.state is AssignmentState.OPEN:
        visit.assignment.state = AssignmentState.DONE
    audit.record("visit.submit", actor=inspector, object_type="visit", object_id=visit.id)
    return visit, False


def discard(inspector: User, visit_uuid: str) -> list[str] | None:
    """Delete a never-submitted draft; returns its photo files to delete after the commit
    (None when there was no such draft)."""
    visit = find(visit_uuid, inspector)
    if visit is None:
        return None
    if visit.state is not VisitState.DRAFT:
        raise VisitConflict(_l("Only drafts that were never submitted can be discarded."))
    keys = [key for photo in visit.photos for key in photo.keys]
    db.session.delete(visit)
    db.session.flush()
    return keys


def draft_states(drafts: Sequence[Visit]) -> list[dict[str, Any]]:
    """``draft_state`` of each visit of a list, their re-visit verdicts read in one query."""
    judged = verdicts.of_visits([visit.id for visit in drafts])
    return [draft_state(visit, judged[visit.id]) for visit in drafts]


def draft_state(visit: Visit, judged: Mapping[int, Verdict] | None = None) -> dict[str, Any]:
    """The server's copy of a visit in the phone's draft shape (``judged``: its verdicts, if read)."""
    if judged is None:
        judged = verdicts.of_visit(visit)
    return {
        "uuid": visit.uuid,
        "window_id": visit.window_id,
        "service_item_id": visit.service_item_id,
        "assignment_id": visit.assignment_id,
        "marks": {name: mark.isoformat() for name in MARKS if (mark := visit.mark(name)) is not None},
        "answers": visit.answers_dict(),
        "materials": {
            "ticked": [m.required_material_id for m in visit.materials if m.required_material_id],
            "extra": [m.name for m in visit.materials if m.required_material_id is None],
        },
        "position": ({"latitude": visit.latitude, "longitude": visit.longitude, "accuracy": visit.accuracy_m,
                      "at": visit.position_at.isoformat() if visit.position_at else None}
                     if visit.latitude is not None else None),
        "verdicts": {str(check_id): str(verdict) for check_id, verdict in judged.items()},
        "updated_at": visit.updated_at.isoformat(),
        "state": str(visit.state),
    }
