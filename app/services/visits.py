"""Visits: drafts autosaved from the phone, idempotent submit, assignments by hand.

The phone keeps a visit first (localStorage) and sends the whole draft as JSON; the same
payload shape serves autosave and submit. A visit is found by the UUID the phone made, so a
repeated submit finds the same row; a different payload for a submitted UUID is refused.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    MARKS,
    Assignment,
    AssignmentState,
    Issue,
    MaterialKind,
    RequiredMaterial,
    Role,
    ServiceItem,
    User,
    Visit,
    VisitAnswer,
    VisitMaterial,
    VisitState,
    Window,
)
from app.models.base import utcnow
from app.services import audit, checklists, geo
from app.services.errors import ServiceError

MAX_EXTRA_MATERIALS = 30


class VisitNotFound(ServiceError):
    """No such visit for this inspector (another's visit looks the same: not found)."""


class VisitConflict(ServiceError):
    """The visit is submitted: it cannot change, and a different submit is refused (409)."""


class SubmitInvalid(ServiceError):
    """Answers missing or out of range; ``problems`` maps question keys to messages."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(_l("Some answers are missing or out of range."))
        self.problems = problems


@dataclass(frozen=True)
class VisitPayload:
    """What the phone sends: the whole draft."""

    uuid: str
    window_id: int
    service_item_id: int | None
    assignment_id: int | None
    marks: dict[str, datetime]
    answers: dict[str, Any]
    ticked_material_ids: tuple[int, ...]
    extra_materials: tuple[str, ...]
    #: (latitude, longitude, accuracy in metres, when) from the phone's geolocation, if taken.
    position: tuple[float, float, float | None, datetime | None] | None = None

    def digest(self, cleaned_answers: Mapping[str, Any]) -> str:
        """SHA-256 of the content (not of the JSON text), to compare two submits."""
        content = {
            "window_id": self.window_id, "service_item_id": self.service_item_id,
            "assignment_id": self.assignment_id,
            "marks": {k: v.astimezone(UTC).isoformat() for k, v in sorted(self.marks.items())},
            "answers": dict(cleaned_answers),
            "ticked": sorted(self.ticked_material_ids), "extra": list(self.extra_materials),
            "position": list(self.position[:3]) if self.position else None,
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


MAX_ID = 2**31 - 1
YEARS = (2000, 2100)


def _optional_int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    if isinstance(value, bool) or not isinstance(value, int | str) or not (text.isascii() and text.isdigit()) \
            or len(text) > 10 or int(text) > MAX_ID:
        raise ServiceError(f"{name} must be a number", field=name)
    return int(text)


def _time(value: Any, what: str, field: str) -> datetime:
    """An ISO 8601 time with a zone, in a sensible year (else ServiceError, never a 500)."""
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(f"{what} is not an ISO 8601 time", field=field) from None
    if stamp.tzinfo is None:
        raise ServiceError(f"{what} has no time zone", field=field)
    try:
        utc = stamp.astimezone(UTC)
    except OverflowError:
        raise ServiceError(f"{what} is out of range", field=field) from None
    if not YEARS[0] <= utc.year <= YEARS[1]:
        raise ServiceError(f"{what} is out of range", field=field)
    return stamp


def _object(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ServiceError(f"{name} must be an object", field=name)
    return value


def _position(raw: Mapping[str, Any]) -> tuple[float, float, float | None, datetime | None] | None:
    if not raw:
        return None
    try:
        lat, lon = float(raw["latitude"]), float(raw["longitude"])
        accuracy = None if raw.get("accuracy") in (None, "") else float(raw["accuracy"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ServiceError("position needs latitude and longitude numbers", field="position") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (accuracy is not None and not 0 <= accuracy < 1e7):
        raise ServiceError("position out of range", field="position")
    at = _time(raw["at"], "position.at", "position") if raw.get("at") else None
    return lat, lon, accuracy, at


def parse_payload(visit_uuid: str, data: Any) -> VisitPayload:
    """Check the shape of a JSON draft; raise ServiceError (400) for anything malformed."""
    try:
        canonical = str(uuid_module.UUID(visit_uuid))
    except ValueError:
        raise ServiceError("not a visit UUID", field="uuid") from None
    if not isinstance(data, dict):
        raise ServiceError("the draft must be a JSON object")
    window_id = _optional_int(data.get("window_id"), "window_id")
    if window_id is None:
        raise ServiceError("window_id is required", field="window_id")
    raw_marks = _object(data, "marks")
    if any(k not in MARKS for k in raw_marks) or any(k not in MARKS for k in raw_marks):
        raise ServiceError("marks may only be " + ", ".join(MARKS), field="marks")
    marks: dict[str, datetime] = {}
    for name, value in raw_marks.items():
        if value in (None, ""):
            continue
        marks[name] = _time(value, f"mark {name}", "marks")
    answers = _object(data, "answers")
    materials = _object(data, "materials")
    ticked = materials.get("ticked") or []
    extra = materials.get("extra") or []
    if not isinstance(ticked, list) or not isinstance(extra, list) or len(extra) > MAX_EXTRA_MATERIALS:
        raise ServiceError("materials.ticked and materials.extra must be lists", field="materials")
    ticked_ids = tuple(sorted({i for i in (_optional_int(t, "materials") for t in ticked) if i is not None}))
    extra_names = tuple(dict.fromkeys(
        str(name).strip()[:150] for name in extra if isinstance(name, str) and name.strip()))
    return VisitPayload(
        position=_position(_object(data, "position")),
        uuid=canonical, window_id=window_id,
        service_item_id=_optional_int(data.get("service_item_id"), "service_item_id"),
        assignment_id=_optional_int(data.get("assignment_id"), "assignment_id"),
        marks=marks, answers=answers, ticked_material_ids=ticked_ids, extra_materials=extra_names,
    )


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


def _locked(canonical_uuid: str) -> Visit | None:
    """The visit row, locked for this transaction on PostgreSQL (SQLite's writes are serial
    already, BEGIN IMMEDIATE), so an autosave cannot change a visit a submit is sealing."""
    return db.session.scalar(sa.select(Visit).where(Visit.uuid == canonical_uuid).with_for_update())


def find(visit_uuid: str, inspector: User) -> Visit | None:
    """The inspector's own visit with this UUID (None for anyone else's)."""
    try:
        canonical = str(uuid_module.UUID(visit_uuid))
    except ValueError:
        return None
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == canonical))
    if visit is None or visit.inspector_id != inspector.id:
        return None
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
        assignment = db.session.get(Assignment, payload.assignment_id)
        if (assignment is None or assignment.inspector_id != inspector.id
                or assignment.window_id != window.id or assignment.state is not AssignmentState.OPEN):
            raise ServiceError(_l("This assignment is not yours."), field="assignment_id")
    return window, item, assignment


def save_draft(inspector: User, payload: VisitPayload) -> Visit:
    """Create or update the inspector's draft from the phone's payload (autosave)."""
    visit = _locked(payload.uuid)
    if visit is not None and visit.inspector_id != inspector.id:
        raise VisitNotFound("no such visit")
    if visit is not None and not visit.editable:
        raise VisitConflict(_l("This visit has been submitted and can no longer change."))
    if visit is None:
        window, item, assignment = _check_target(inspector, payload)
        template = checklists.registry().current()
        visit = Visit(uuid=payload.uuid, inspector=inspector, window=window, service_item=item,
                      assignment=assignment, survey_version=checklists.snapshot(template))
        db.session.add(visit)
    elif payload.service_item_id != visit.service_item_id:
        _window, item, _assignment = _check_target(
            inspector, replace(payload, window_id=visit.window_id, assignment_id=visit.assignment_id))
        visit.service_item = item
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
        geo.Position(visit.latitude, visit.longitude) if visit.latitude is not None else None,
        visit.accuracy_m,
        geo.Position(hall.latitude, hall.longitude) if hall.latitude is not None else None,
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
    """Submit the visit; returns (visit, True) when this exact submit had already been made."""
    now = now or utcnow()
    visit = _locked(payload.uuid)
    if visit is not None and visit.inspector_id != inspector.id:
        raise VisitNotFound("no such visit")
    if visit is not None and not visit.editable:
        template = checklists.stored_template(visit.survey_version)
        if visit.payload_sha256 == payload.digest(checklists.clean_answers(template, payload.answers)):
            return visit, True
        raise VisitConflict(_l("This visit was already submitted with other content."))
    visit = save_draft(inspector, payload)
    template = checklists.stored_template(visit.survey_version)
    cleaned = checklists.clean_answers(template, payload.answers)
    problems = checklists.problems(template, cleaned)
    if mark_problems(payload.marks):
        problems["timings"] = _("The timer marks are out of order; correct the times.")
    if problems:
        raise SubmitInvalid(problems)
    visit.submit(now, payload.digest(cleaned))
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


# --- Lists for the inspector's home ----------------------------------------------------------------


def _mine(inspector: User, states: Sequence[VisitState]) -> sa.Select:
    return (sa.select(Visit).where(Visit.inspector_id == inspector.id, Visit.state.in_(states))
            .options(selectinload(Visit.window).selectinload(Window.hall), selectinload(Visit.service_item)))


def drafts(inspector: User) -> list[Visit]:
    """Drafts and returned visits, newest first."""
    return list(db.session.scalars(
        _mine(inspector, (VisitState.DRAFT, VisitState.RETURNED)).order_by(Visit.updated_at.desc())))


def submitted(inspector: User, limit: int = 30) -> list[Visit]:
    """Submitted and approved visits, newest first."""
    return list(db.session.scalars(
        _mine(inspector, (VisitState.SUBMITTED, VisitState.APPROVED))
        .order_by(Visit.submitted_at.desc()).limit(limit)))


def open_assignments(inspector: User) -> list[Assignment]:
    """The inspector's open assignments, earliest due first."""
    return list(db.session.scalars(
        sa.select(Assignment).where(Assignment.inspector_id == inspector.id,
                                    Assignment.state == AssignmentState.OPEN)
        .options(selectinload(Assignment.window).selectinload(Window.hall),
                 selectinload(Assignment.service_item))
        .order_by(Assignment.due_date.is_(None), Assignment.due_date, Assignment.id)))


# --- Assignments by hand ------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentData:
    inspector_id: int
    window_id: int
    service_item_id: int | None = None
    persona: str = ""
    due_date: date | None = None
    note: str = ""


def assign(data: AssignmentData, *, actor: User) -> Assignment:
    """A leader gives an inspector a window to visit; never a window of the inspector's own unit."""
    inspector = db.session.get(User, data.inspector_id)
    if inspector is None or inspector.role is not Role.INSPECTOR or not inspector.active:
        raise ServiceError(_l("Choose an active inspector."), field="inspector_id")
    window = db.session.get(Window, data.window_id)
    if window is None or not window.active or not window.hall.active:
        raise ServiceError(_l("Choose an active window."), field="window_id")
    item = db.session.get(ServiceItem, data.service_item_id) if data.service_item_id else None
    if data.service_item_id and (item is None or item not in window.service_items):
        raise ServiceError(_l("This window does not serve that item."), field="service_item_id")
    units = [window.unit] + ([item.unit] if item else [])
    if inspector.unit in units:
        raise ServiceError(_l("An inspector never visits a window of their own unit."), field="inspector_id")
    assignment = Assignment(inspector=inspector, window=window, service_item=item,
                            persona=data.persona.strip(), due_date=data.due_date,
                            note=data.note.strip(), created_by_id=actor.id)
    db.session.add(assignment)
    db.session.flush()
    audit.record("assignment.create", actor=actor, object_type="assignment", object_id=assignment.id)
    return assignment


def cancel_assignment(assignment: Assignment, *, actor: User) -> None:
    """Withdraw an open assignment (a re-visit it was for no longer decides its issue)."""
    try:
        assignment.cancel()
    except ValueError as exc:
        raise ServiceError(_l("Only open assignments can be cancelled.")) from exc
    for issue in db.session.scalars(sa.select(Issue).where(Issue.revisit_assignment_id == assignment.id)):
        issue.revisit_assignment_id = None
    audit.record("assignment.cancel", actor=actor, object_type="assignment", object_id=assignment.id)


def recent_assignments(limit: int = 50) -> list[Assignment]:
    """Open assignments, and the latest done or cancelled ones, for the leader."""
    return list(db.session.scalars(
        sa.select(Assignment).options(
            selectinload(Assignment.inspector), selectinload(Assignment.window).selectinload(Window.hall),
            selectinload(Assignment.service_item))
        .order_by((Assignment.state == AssignmentState.OPEN).desc(), Assignment.id.desc()).limit(limit)))


def window_choices() -> list[tuple[int, str]]:
    """Active windows of active halls, labelled with their hall."""
    windows = db.session.scalars(
        sa.select(Window).join(Window.hall).where(Window.active.is_(True))
        .where(Window.hall.has(active=True)).options(selectinload(Window.hall))
        .order_by(Window.hall_id, Window.number))
    return [(w.id, f"{w.hall.name} · {w.number} {w.name}") for w in windows]


def inspector_choices() -> list[tuple[int, str]]:
    """Active inspectors with their home unit."""
    users = db.session.scalars(
        sa.select(User).where(User.role == Role.INSPECTOR, User.active.is_(True))
        .options(selectinload(User.unit)).order_by(User.username))
    return [(u.id, f"{u.display_name or u.username}（{u.unit.name if u.unit else '—'}）") for u in users]


def draft_state(visit: Visit) -> dict[str, Any]:
    """The server's copy of a visit in the phone's draft shape."""
    return {
        "uuid": visit.uuid,
        "window_id": visit.window_id,
        "service_item_id": visit.service_item_id,
        "assignment_id": visit.assignment_id,
        "marks": {name: visit.mark(name).isoformat() for name in MARKS if visit.mark(name)},
        "answers": visit.answers_dict(),
        "materials": {
            "ticked": [m.required_material_id for m in visit.materials if m.required_material_id],
            "extra": [m.name for m in visit.materials if m.required_material_id is None],
        },
        "position": ({"latitude": visit.latitude, "longitude": visit.longitude, "accuracy": visit.accuracy_m,
                      "at": visit.position_at.isoformat() if visit.position_at else None}
                     if visit.latitude is not None else None),
        "updated_at": visit.updated_at.isoformat(),
        "state": str(visit.state),
    }


def for_review(limit: int = 100) -> list[Visit]:
    """Submitted visits for the leaders, oldest first (the review queue grows here)."""
    return list(db.session.scalars(
        sa.select(Visit).where(Visit.state == VisitState.SUBMITTED)
        .options(selectinload(Visit.window).selectinload(Window.hall), selectinload(Visit.inspector),
                 selectinload(Visit.service_item))
        .order_by(Visit.submitted_at).limit(limit)))
