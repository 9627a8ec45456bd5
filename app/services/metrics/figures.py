"""Figures per unit, per window or overall, each an aggregate query over the visit scope.

Definitions (the page states them too):

- extra-materials rate: share of visits where the window asked for at least one material
  that is not in the guide (VisitMaterial of kind EXTRA);
- one-time-notice compliance: share of the visits that answered ``one_time_notice`` whose
  answer is "written" (一次性书面告知);
- wait: mean, and the 90th percentile by nearest rank (the smallest wait with at least 90% of
  the waits at or under it), over visits with a timed wait;
- trips and attitude: means over the visits that recorded them;
- closure rate: closed issues / issues; on-time rate: issues closed on or before their
  deadline / closed issues; re-visit pass rate: "closed_by_revisit" events / those plus
  "revisit_failed" events; recurrence rate: occurrences marked as a recurrence / occurrences.

Issues are grouped by their lead unit, or their window; visits, occurrences by the visit's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from app.extensions import db
from app.models import Finding, Issue, IssueEvent, IssueState, MaterialKind, Occurrence, VisitAnswer, VisitMaterial
from app.services.metrics import scope as scopes

#: How figures are grouped: per unit, per window, or None for one overall row.
GroupKey = Literal["unit_id", "window_id"] | None
NOTICE_KEY = "one_time_notice"
#: The answer as the JSON column stores it (json.dumps of the value, on either database).
NOTICE_WRITTEN = json.dumps("written")
REVISIT_PASSED, REVISIT_FAILED = "closed_by_revisit", "revisit_failed"


@dataclass(frozen=True)
class Figures:
    """One row of figures (None where there is nothing to divide by)."""

    visits: int = 0
    extra_rate: float | None = None
    notice_rate: float | None = None
    wait_mean: float | None = None
    wait_p90: int | None = None
    trips_mean: float | None = None
    attitude_mean: float | None = None
    issues: int = 0
    closure_rate: float | None = None
    on_time_rate: float | None = None
    revisit_pass_rate: float | None = None
    recurrence_rate: float | None = None


#: The figures a dashboard compares (name -> higher is better), in the order shown.
FIGURE_NAMES: dict[str, bool] = {
    "visits": True, "extra_rate": False, "notice_rate": True, "wait_mean": False, "wait_p90": False,
    "trips_mean": False, "attitude_mean": True, "issues": False, "closure_rate": True, "on_time_rate": True,
    "revisit_pass_rate": True, "recurrence_rate": False,
}


def rate(part: Any, whole: Any) -> float | None:
    """part / whole, or None when whole is 0."""
    return float(part or 0) / float(whole) if whole else None


def mean(value: Any) -> float | None:
    """An AVG() result as a float (PostgreSQL gives Decimal, SQLite float)."""
    return None if value is None else float(value)


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows meet ``condition`` (0 when none; CASE works the same on every database)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _key(scope: sa.CTE, by: GroupKey) -> sa.ColumnElement[Any]:
    return (scope.c[by] if by else sa.null()).label("k")


def _issue_key(by: GroupKey) -> sa.ColumnElement[Any]:
    column = {"unit_id": Issue.lead_unit_id, "window_id": Issue.window_id}.get(by or "")
    return (column if column is not None else sa.null()).label("k")


def _grouped(stmt: sa.Select, by: GroupKey) -> sa.Select:
    return stmt.group_by(sa.literal_column("k")) if by else stmt


def _visit_part(scope: sa.CTE, by: GroupKey) -> dict[Any, tuple[Any, ...]]:
    extra = (sa.select(VisitMaterial.visit_id).where(VisitMaterial.kind == MaterialKind.EXTRA)
             .group_by(VisitMaterial.visit_id).subquery())
    notice = (sa.select(VisitAnswer.visit_id, sa.cast(VisitAnswer.value, sa.Text).label("v"))
              .where(VisitAnswer.question_key == NOTICE_KEY).subquery())
    key = _key(scope, by)
    stmt = (sa.select(key, sa.func.count(), sa.func.count(extra.c.visit_id), count_if(notice.c.v == NOTICE_WRITTEN),
                      sa.func.count(notice.c.visit_id), sa.func.avg(scope.c.wait_min), sa.func.avg(scope.c.trips),
                      sa.func.avg(scope.c.attitude))
            .select_from(scope).outerjoin(extra, extra.c.visit_id == scope.c.visit_id)
            .outerjoin(notice, notice.c.visit_id == scope.c.visit_id))
    return {row[0]: tuple(row[1:]) for row in db.session.execute(_grouped(stmt, by))}


def wait_p90(scope: sa.CTE, by: GroupKey) -> dict[Any, int]:
    """The nearest-rank 90th percentile wait per group: the value at position ceil(0.9·n) of the
    sorted waits, i.e. the smallest row number rn with 10·rn ≥ 9·n (ties sort side by side)."""
    partition = scope.c[by] if by else None
    ranked = (sa.select(_key(scope, by), scope.c.wait_min.label("w"),
                        sa.func.row_number().over(partition_by=partition, order_by=scope.c.wait_min).label("rn"),
                        sa.func.count().over(partition_by=partition).label("n"))
              .where(scope.c.wait_min.is_not(None)).subquery())
    stmt = (sa.select(ranked.c.k if by else sa.null(), sa.func.min(ranked.c.w))
            .where(ranked.c.rn * 10 >= ranked.c.n * 9))
    if by:
        stmt = stmt.group_by(ranked.c.k)
    return {k: int(w) for k, w in db.session.execute(stmt) if w is not None}


def _issue_part(scope: sa.CTE, by: GroupKey) -> dict[Any, tuple[Any, ...]]:
    closed = Issue.state == IssueState.CLOSED
    stmt = (sa.select(_issue_key(by), sa.func.count(), count_if(closed),
                      count_if(sa.and_(closed, Issue.closed_on <= Issue.deadline)))
            .where(Issue.id.in_(scopes.issue_ids(scope))))
    return {row[0]: tuple(row[1:]) for row in db.session.execute(_grouped(stmt, by))}


def _revisit_part(scope: sa.CTE, by: GroupKey) -> dict[Any, tuple[Any, ...]]:
    stmt = (sa.select(_issue_key(by), count_if(IssueEvent.kind == REVISIT_PASSED),
                      count_if(IssueEvent.kind == REVISIT_FAILED))
            .join(Issue, Issue.id == IssueEvent.issue_id)
            .where(Issue.id.in_(scopes.issue_ids(scope)), IssueEvent.kind.in_((REVISIT_PASSED, REVISIT_FAILED))))
    return {row[0]: tuple(row[1:]) for row in db.session.execute(_grouped(stmt, by))}


def _recurrence_part(scope: sa.CTE, by: GroupKey) -> dict[Any, tuple[Any, ...]]:
    stmt = (sa.select(_key(scope, by), sa.func.count(Occurrence.id), count_if(Occurrence.recurrence.is_(True)))
            .join(Finding, Finding.id == Occurrence.finding_id).join(scope, scope.c.visit_id == Finding.visit_id))
    return {row[0]: tuple(row[1:]) for row in db.session.execute(_grouped(stmt, by))}


def figures(f: scopes.Filter, by: GroupKey = None) -> dict[Any, Figures]:
    """The figures of ``f``'s scope: one row per unit or window id (None: a single overall row)."""
    scope = scopes.visits(f)
    visit_part, p90 = _visit_part(scope, by), wait_p90(scope, by)
    issue_part, revisit_part = _issue_part(scope, by), _revisit_part(scope, by)
    recurrence_part = _recurrence_part(scope, by)
    keys = {*visit_part, *issue_part} - ({None} if by else set())
    if not by:
        keys = {None}
    result = {}
    for key in keys:
        visits, extra, written, answered, wait, trips, attitude = visit_part.get(key, (0, 0, 0, 0, None, None, None))
        issues, closed, on_time = issue_part.get(key, (0, 0, 0))
        passed, failed = revisit_part.get(key, (0, 0))
        occurrences, recurrences = recurrence_part.get(key, (0, 0))
        result[key] = Figures(
            visits=int(visits or 0), extra_rate=rate(extra, visits), notice_rate=rate(written, answered),
            wait_mean=mean(wait), wait_p90=p90.get(key), trips_mean=mean(trips), attitude_mean=mean(attitude),
            issues=int(issues or 0), closure_rate=rate(closed, issues), on_time_rate=rate(on_time, closed),
            revisit_pass_rate=rate(passed, int(passed or 0) + int(failed or 0)),
            recurrence_rate=rate(recurrences, occurrences))
    return result
