"""The leaders' archive: every visit in any state, filtered and sorted in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Assignment, Finding, FindingState, Visit, VisitState, Window

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class ArchiveFilter:
    """What the archive shows; every field optional. Dates are China's days the visit began."""

    date_from: date | None = None
    date_to: date | None = None
    campaign_id: int | None = None
    hall_id: int | None = None
    window_id: int | None = None
    unit_id: int | None = None
    inspector_id: int | None = None
    service_item_id: int | None = None
    state: VisitState | None = None
    #: True: only visits with findings (not dismissed); False: only visits without.
    has_findings: bool | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def archive_query(spec: ArchiveFilter) -> sa.Select:
    """Visits matching ``spec``, newest first (by when they began: an index serves the order)."""
    stmt = sa.select(Visit).options(selectinload(Visit.window).selectinload(Window.hall),
                                    selectinload(Visit.inspector), selectinload(Visit.service_item))
    return archive_filtered(stmt, spec)


def archive_filtered(stmt: sa.Select, spec: ArchiveFilter, *, window_joined: bool = False) -> sa.Select:
    """``stmt`` (a select from visits) narrowed to ``spec`` in the archive's order, newest first;
    ``window_joined``: ``stmt`` already joins the visit's window (the hall and unit filters use it)."""
    when = Visit.created_at
    if spec.date_from:
        stmt = stmt.where(when >= _start_of(spec.date_from))
    if spec.date_to:
        stmt = stmt.where(when < _start_of(spec.date_to + timedelta(days=1)))
    if spec.campaign_id:
        stmt = stmt.where(Visit.assignment.has(Assignment.campaign_id == spec.campaign_id))
    if spec.hall_id or spec.unit_id:
        if not window_joined:
            stmt = stmt.join(Window, Visit.window_id == Window.id)
        if spec.hall_id:
            stmt = stmt.where(Window.hall_id == spec.hall_id)
        if spec.unit_id:
            stmt = stmt.where(Window.unit_id == spec.unit_id)
    for column, value in ((Visit.window_id, spec.window_id), (Visit.inspector_id, spec.inspector_id),
                          (Visit.service_item_id, spec.service_item_id), (Visit.state, spec.state)):
        if value:
            stmt = stmt.where(column == value)
    if spec.has_findings is not None:
        found = sa.exists().where(Finding.visit_id == Visit.id, Finding.state != FindingState.DISMISSED)
        stmt = stmt.where(found if spec.has_findings else ~found)
    return stmt.order_by(when.desc(), Visit.id.desc())


def finding_counts(visit_ids: list[int]) -> dict[int, int]:
    """Findings (not dismissed) per visit, for one page of the archive, in one query."""
    rows = db.session.execute(sa.select(Finding.visit_id, sa.func.count()).where(
        Finding.visit_id.in_(visit_ids), Finding.state != FindingState.DISMISSED).group_by(Finding.visit_id))
    return {visit_id: count for visit_id, count in rows}
