"""Lists of visits and assignments: the inspector's home and the leaders' review queue."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Assignment, AssignmentState, User, Visit, VisitState, Window
from app.services import calendar


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
    """The inspector's open assignments that are not sealed, earliest due first."""
    return list(db.session.scalars(
        sa.select(Assignment).where(Assignment.inspector_id == inspector.id,
                                    Assignment.state == AssignmentState.OPEN,
                                    Assignment.unsealed(calendar.china_today()))
        .options(selectinload(Assignment.window).selectinload(Window.hall),
                 selectinload(Assignment.service_item))
        .order_by(Assignment.due_date.is_(None), Assignment.due_date, Assignment.id)))


def for_review_query(campaign_id: int | None = None) -> sa.Select:
    """Submitted visits for the leaders (of one campaign, if given), oldest first."""
    stmt = sa.select(Visit).where(Visit.state == VisitState.SUBMITTED)
    if campaign_id:
        stmt = stmt.where(Visit.assignment.has(Assignment.campaign_id == campaign_id))
    return (stmt.options(selectinload(Visit.window).selectinload(Window.hall), selectinload(Visit.inspector),
                         selectinload(Visit.service_item))
            .order_by(Visit.submitted_at, Visit.id))


def for_review(campaign_id: int | None = None) -> list[Visit]:
    return list(db.session.scalars(for_review_query(campaign_id)))
