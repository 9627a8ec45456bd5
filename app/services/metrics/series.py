"""Series for the charts: visits and findings per ISO week, the waits' histogram, the halls' map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Finding, Hall, Issue, IssueState
from app.services.metrics import scope as scopes

#: Lower bounds (minutes) of the waits' bins after the first (0…9): 30 and 60 are the halls'
#: default thresholds for a medium and a high finding.
WAIT_EDGES = (10, 20, 30, 45, 60, 90)


@dataclass(frozen=True)
class Week:
    """An ISO week (Monday ``start``) with its counts."""

    start: date
    visits: int
    findings: int

    @property
    def label(self) -> str:
        year, week, _day = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Bin:
    low: int
    high: int | None  # None: no upper bound
    visits: int


@dataclass(frozen=True)
class HallPoint:
    id: int
    name: str
    latitude: float
    longitude: float
    visits: int
    open_issues: int


def _days(f: scopes.Filter, scope: sa.CTE) -> tuple[date, date] | None:
    """The days the weeks cover: the period's, or a campaign's first to last submit."""
    if f.campaign_id is None:
        return f.start, f.end
    first, last = db.session.execute(
        sa.select(sa.func.min(scope.c.submitted_at), sa.func.max(scope.c.submitted_at))).one()
    if first is None:
        return None
    return first.astimezone(scopes.CHINA).date(), last.astimezone(scopes.CHINA).date()


def weeks(f: scopes.Filter) -> list[Week]:
    """Visits and findings per ISO week (Monday to Sunday in China's days), weeks without any
    included; at most the last MAX_DAYS days' weeks."""
    scope = scopes.visits(f)
    days = _days(f, scope)
    if days is None:
        return []
    first = max(days[0], days[1] - timedelta(days=scopes.MAX_DAYS))
    mondays = [first - timedelta(days=first.weekday())]
    while mondays[-1] + timedelta(days=7) <= days[1]:
        mondays.append(mondays[-1] + timedelta(days=7))
    # Week n holds the submits before the start of week n + 1 (earlier ones fall outside the scope).
    whens = [(scope.c.submitted_at < scopes.utc_bounds(monday, monday)[0], n - 1)
             for n, monday in enumerate(mondays[1:], start=1)]
    week = sa.case(*whens, else_=len(mondays) - 1) if whens else sa.literal_column("0")
    per_visit = sa.select(week.label("week"), scope.c.visit_id).subquery()
    visits: dict[int, int] = dict(db.session.execute(
        sa.select(per_visit.c.week, sa.func.count()).group_by(per_visit.c.week)).all())
    findings: dict[int, int] = dict(db.session.execute(
        sa.select(per_visit.c.week, sa.func.count()).join(Finding, Finding.visit_id == per_visit.c.visit_id)
        .where(Finding.state.in_(scopes.COUNTED_FINDINGS)).group_by(per_visit.c.week)).all())
    return [Week(start=monday, visits=int(visits.get(n, 0)), findings=int(findings.get(n, 0)))
            for n, monday in enumerate(mondays)]


def waits(f: scopes.Filter) -> list[Bin]:
    """How many visits waited how long (bins of WAIT_EDGES), over visits with a timed wait."""
    scope = scopes.visits(f)
    lows = (0, *WAIT_EDGES)
    bin_of = sa.case(*[(scope.c.wait_min < edge, n) for n, edge in enumerate(WAIT_EDGES)], else_=len(WAIT_EDGES))
    binned = sa.select(bin_of.label("bin")).where(scope.c.wait_min.is_not(None)).subquery()
    counts: dict[int, int] = dict(db.session.execute(
        sa.select(binned.c.bin, sa.func.count()).group_by(binned.c.bin)).all())
    return [Bin(low=low, high=(WAIT_EDGES[n] - 1 if n < len(WAIT_EDGES) else None), visits=int(counts.get(n, 0)))
            for n, low in enumerate(lows)]


def halls(f: scopes.Filter) -> list[HallPoint]:
    """Active halls with a position, with the scope's visits and open issues at each (the hall
    filter keeps one hall; the unit filter counts only its visits and their issues)."""
    scope = scopes.visits(f)
    visits = sa.select(scope.c.hall_id, sa.func.count().label("n")).group_by(scope.c.hall_id).subquery()
    open_issues = (sa.select(Issue.hall_id, sa.func.count().label("n"))
                   .where(Issue.id.in_(scopes.issue_ids(scope)), Issue.state != IssueState.CLOSED)
                   .group_by(Issue.hall_id).subquery())
    stmt = (sa.select(Hall.id, Hall.name, Hall.latitude, Hall.longitude, sa.func.coalesce(visits.c.n, 0),
                      sa.func.coalesce(open_issues.c.n, 0))
            .outerjoin(visits, visits.c.hall_id == Hall.id).outerjoin(open_issues, open_issues.c.hall_id == Hall.id)
            .where(Hall.active, Hall.latitude.is_not(None), Hall.longitude.is_not(None)).order_by(Hall.name, Hall.id))
    if f.hall_id is not None:
        stmt = stmt.where(Hall.id == f.hall_id)
    return [HallPoint(id=i, name=n, latitude=float(la), longitude=float(lo), visits=int(v), open_issues=int(o))
            for i, n, la, lo, v, o in db.session.execute(stmt)]
