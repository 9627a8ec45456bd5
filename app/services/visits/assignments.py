"""Assignments by hand: a leader sends an inspector to a window (never one of their own unit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Assignment, AssignmentState, Issue, Role, ServiceItem, User, Window
from app.services import audit
from app.services.errors import ServiceError


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
    return [(w.id, w.title) for w in windows]


def inspector_choices() -> list[tuple[int, str]]:
    """Active inspectors with their home unit."""
    users = db.session.scalars(
        sa.select(User).where(User.role == Role.INSPECTOR, User.active.is_(True))
        .options(selectinload(User.unit)).order_by(User.username))
    return [(u.id, f"{u.display_name or u.username}（{u.unit.name if u.unit else '—'}）") for u in users]
