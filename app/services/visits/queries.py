"""Lists of visits and assignments: the inspector's home and the leaders' review queue."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Assignment, AssignmentState, User, Visit, VisitState, Window
from app.services import calendar

#: Lists show each row's hall, window and matter: many-to-one, so joined into the one query
#: (a selectin load would cost a query each on every home page).
_PLACE = (joinedload(Visit.window, innerjoin=True).joinedload(Window.hall, innerjoin=True),
          joinedload(Visit.service_item))


def _mine(inspector: User, states: Sequence[VisitState]) -> sa.Select:
    return sa.select(Visit).where(Visit.inspector_id == inspector.id, Visit.state.in_(states)).options(*_PLACE)


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
    """The inspector's open assignments that are not sealed, earliest due first."""
    return list(db.session.scalars(
        sa.select(Assignment).where(Assignment.inspector_id == inspector.id,
                                    Assignment.state == AssignmentState.OPEN,
                                    Assignment.unsealed(calendar.china_today()))
        .options(joinedload(Assignment.window, innerjoin=True).joinedload(Window.hall, innerjoin=True),
                 joinedload(Assignment.service_item))
        .order_by(Assignment.due_date.is_(None), Assignment.due_date, Assignment.id)))


def for_review_query(campaign_id: int | None = None) -> sa.Select:
    """Submitted visits for the leaders (of one campaign, if given), oldest first."""
    stmt = sa.select(Visit).where(Visit.state == VisitState.SUBMITTED)
    if campaign_id:
        stmt = stmt.where(Visit.assignment.has(Assignment.campaign_id == campaign_id))
    return (stmt.options(*_PLACE, joinedload(Visit.inspector, innerjoin=True))
            .order_by(Visit.submitted_at, Visit.id))


def for_review(campaign_id: int | None = None) -> list[Visit]:
    return list(db.session.scalars(for_review_query(campaign_id)))


def record(visit_id: int) -> Visit | None:
    """One visit for its full record (the review page): what the page shows of its place, matter,
    inspector and checklist version joined into one query, not loaded one by one."""
    return db.session.scalar(sa.select(Visit).where(Visit.id == visit_id).options(
        *_PLACE, joinedload(Visit.inspector, innerjoin=True), joinedload(Visit.survey_version, innerjoin=True)))
