"""The dashboard's headline counts: visits, findings per category and severity, issues by state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import DEADLINE_STOPPED, Category, Issue, IssueState, Severity
from app.services.metrics import scope as scopes
from app.services.metrics.figures import Figures, count_if, figures


@dataclass(frozen=True)
class Summary:
    """Counts of one scope; ``overall`` holds its rates and means."""

    visits: int = 0
    findings: int = 0
    by_category: dict[Category, int] = field(default_factory=dict)
    by_severity: dict[Severity, int] = field(default_factory=dict)
    issues_by_state: dict[IssueState, int] = field(default_factory=dict)
    issues: int = 0
    open_issues: int = 0
    overdue: int = 0
    escalated: int = 0
    overall: Figures = field(default_factory=Figures)


def summary(f: scopes.Filter, today: date) -> Summary:
    """The headline counts of ``f``'s scope; overdue means past its deadline, not closed and
    not paused by a contest."""
    scope = scopes.visits(f)
    found = scopes.findings(scope).subquery()
    by_category = {Category(c): int(n) for c, n in db.session.execute(
        sa.select(found.c.category, sa.func.count()).group_by(found.c.category))}
    by_severity = {Severity(s): int(n) for s, n in db.session.execute(
        sa.select(found.c.severity, sa.func.count()).group_by(found.c.severity))}
    in_scope = Issue.id.in_(scopes.issue_ids(scope))
    by_state = {IssueState(s): int(n) for s, n in db.session.execute(
        sa.select(Issue.state, sa.func.count()).where(in_scope).group_by(Issue.state))}
    overdue, escalated = db.session.execute(sa.select(
        count_if(sa.and_(Issue.state.not_in(DEADLINE_STOPPED), Issue.deadline < today)),
        count_if(Issue.escalation_level > 0))
        .where(in_scope)).one()
    overall = figures(f)[None]
    return Summary(
        visits=overall.visits, findings=sum(by_category.values()),
        by_category={c: by_category.get(c, 0) for c in Category},
        by_severity={s: by_severity.get(s, 0) for s in Severity},
        issues_by_state={s: by_state.get(s, 0) for s in IssueState},
        issues=sum(by_state.values()), open_issues=sum(n for s, n in by_state.items() if s is not IssueState.CLOSED),
        overdue=int(overdue or 0), escalated=int(escalated or 0), overall=overall)
