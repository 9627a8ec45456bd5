"""Which visits the dashboard counts: the filter, its previous counterpart, and the visit scope.

One rule decides every figure's population: the visits submitted or approved in the period
(or of the campaign), at the hall and of the unit chosen. Findings are those of these visits,
issues those with an occurrence from them. The period is in China's days; a visit counts on
the day it was submitted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.models import Assignment, Campaign, Finding, FindingState, Occurrence, Visit, VisitState, Window

CHINA = ZoneInfo("Asia/Shanghai")
#: The default period: the last 30 days, today included.
DEFAULT_DAYS = 30
#: The longest period the dashboard shows (weekly trends stay a few dozen points).
MAX_DAYS = 731
#: The findings that count: not the ones a leader dismissed.
COUNTED_FINDINGS = (FindingState.PROPOSED, FindingState.CONFIRMED)


@dataclass(frozen=True)
class Filter:
    """What the dashboard shows. With a campaign, its visits count whatever their dates."""

    start: date
    end: date
    campaign_id: int | None = None
    hall_id: int | None = None
    unit_id: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def default_filter(today: date) -> Filter:
    """The last DEFAULT_DAYS days up to ``today``, every campaign, hall and unit."""
    return Filter(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today)


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """A valid period from what was asked: the default when a bound is missing, reversed or
    the span is longer than MAX_DAYS."""
    fallback = default_filter(today)
    if start is None or end is None or start > end or (end - start).days + 1 > MAX_DAYS:
        return fallback.start, fallback.end
    return start, end


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """China's days ``start``…``end`` as a half-open range of UTC instants."""
    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), CHINA).astimezone(UTC)
    return midnight(start), midnight(end + timedelta(days=1))


def previous_campaign_id(campaign_id: int) -> int | None:
    """The campaign that started before this one (latest start first; on the same day, by id)."""
    this = db.session.get(Campaign, campaign_id)
    if this is None:
        return None
    return db.session.scalar(
        sa.select(Campaign.id)
        .where(sa.or_(Campaign.starts_on < this.starts_on,
                      sa.and_(Campaign.starts_on == this.starts_on, Campaign.id < this.id)))
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))


def previous(current: Filter) -> Filter | None:
    """What ``current`` is compared with: the period of equal length just before it, or the
    previous campaign (None when there is none)."""
    if current.campaign_id is not None:
        earlier = previous_campaign_id(current.campaign_id)
        return None if earlier is None else replace(current, campaign_id=earlier)
    return replace(current, start=current.start - timedelta(days=current.days),
                   end=current.start - timedelta(days=1))


#: Periods up to this many days select visits through the submitted_at index.
INDEXED_DAYS = 92


def visits(f: Filter) -> sa.CTE:
    """The counted visits, one row each: visit_id, window_id, unit_id, hall_id, submitted_at
    and the per-visit figures (wait_min, trips, attitude)."""
    stmt = (sa.select(Visit.id.label("visit_id"), Window.id.label("window_id"), Window.unit_id.label("unit_id"),
                      Window.hall_id.label("hall_id"), Visit.submitted_at.label("submitted_at"),
                      Visit.wait_min.label("wait_min"), Visit.trips.label("trips"), Visit.attitude.label("attitude"))
            .join(Window, Window.id == Visit.window_id)
            .where(Visit.state.in_((VisitState.SUBMITTED, VisitState.APPROVED))))
    if f.campaign_id is not None:
        stmt = stmt.where(Visit.assignment_id.in_(
            sa.select(Assignment.id).where(Assignment.campaign_id == f.campaign_id)))
    else:
        low, high = utc_bounds(f.start, f.end)
        # The index on submitted_at pays for a short period; over a long one SQLite would still
        # follow it row by row (2.4x slower than reading the table at 100,000 visits over a year),
        # so a long period compares an expression the index cannot serve.
        submitted = Visit.submitted_at if f.days <= INDEXED_DAYS else sa.func.coalesce(Visit.submitted_at, None)
        stmt = stmt.where(submitted >= low, submitted < high)
    if f.hall_id is not None:
        stmt = stmt.where(Window.hall_id == f.hall_id)
    if f.unit_id is not None:
        stmt = stmt.where(Window.unit_id == f.unit_id)
    return stmt.cte("scope")


def findings(scope: sa.CTE) -> sa.Select:
    """The counted findings of the scope's visits, with the visit's window, unit and hall."""
    return (sa.select(Finding.id, Finding.category, Finding.severity, Finding.hall_level,
                      scope.c.window_id, scope.c.unit_id, scope.c.hall_id)
            .join(scope, scope.c.visit_id == Finding.visit_id)
            .where(Finding.state.in_(COUNTED_FINDINGS)))


def issue_ids(scope: sa.CTE) -> sa.Select:
    """Ids of the issues with at least one occurrence from the scope's visits."""
    return (sa.select(Occurrence.issue_id)
            .join(Finding, Finding.id == Occurrence.finding_id)
            .join(scope, scope.c.visit_id == Finding.visit_id))
