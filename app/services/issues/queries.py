"""Issues for lists and to-do counts, the timeline a viewer sees, and evidence they may open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import (
    DEADLINE_STOPPED,
    Assignment,
    Category,
    Evidence,
    Finding,
    Issue,
    IssueEvent,
    IssueState,
    Occurrence,
    Role,
    Severity,
    Unit,
    User,
    Visit,
    VisitState,
)
from app.services import calendar
from app.services.issues.lifecycle import is_responsible


@dataclass(frozen=True)
class IssueFilter:
    unit_id: int | None = None
    hall_id: int | None = None
    window_id: int | None = None
    category: Category | None = None
    severity: Severity | None = None
    state: IssueState | None = None
    overdue: bool = False
    sort: str = "deadline"
    #: Issues found by visits of this campaign.
    campaign_id: int | None = None
    #: Issues with an occurrence observed between these days (inclusive; either may be open).
    found_from: date | None = None
    found_to: date | None = None


def _loaded() -> sa.Select:
    """Issues with what a list row shows (hall, window, lead unit) joined into the one query."""
    return sa.select(Issue).options(joinedload(Issue.hall), joinedload(Issue.window), joinedload(Issue.lead_unit))


def search_query(spec: IssueFilter, today: date) -> sa.Select:
    """Issues for leaders, filtered and sorted, as a query (lists page it in SQL)."""
    stmt = _loaded()
    if spec.unit_id:
        stmt = stmt.where(sa.or_(Issue.lead_unit_id == spec.unit_id,
                                 Issue.supporting_units.any(Unit.id == spec.unit_id)))
    for column, value in ((Issue.hall_id, spec.hall_id), (Issue.window_id, spec.window_id),
                          (Issue.category, spec.category), (Issue.severity, spec.severity),
                          (Issue.state, spec.state)):
        if value:
            stmt = stmt.where(column == value)
    if spec.overdue:
        stmt = stmt.where(Issue.state.not_in(DEADLINE_STOPPED), Issue.deadline < today)
    if spec.campaign_id:
        stmt = stmt.where(Issue.occurrences.any(Occurrence.finding.has(Finding.visit.has(
            Visit.assignment.has(Assignment.campaign_id == spec.campaign_id)))))
    if spec.found_from or spec.found_to:
        stmt = stmt.where(Issue.occurrences.any(sa.and_(
            Occurrence.observed_on >= spec.found_from if spec.found_from else sa.true(),
            Occurrence.observed_on <= spec.found_to if spec.found_to else sa.true())))
    order = {"deadline": (Issue.deadline, Issue.id), "newest": (Issue.id.desc(),),
             "severity": (sa.case({s.value: -s.rank for s in Severity}, value=Issue.severity), Issue.deadline,
                          Issue.id)}
    return stmt.order_by(*order.get(spec.sort, order["deadline"]))


def search(spec: IssueFilter, today: date) -> list[Issue]:
    """Every issue ``search_query`` finds (for services and tests; pages use the query)."""
    return list(db.session.scalars(search_query(spec, today)))


def with_history(issue_id: int) -> Issue | None:
    """The issue with everything its page shows loaded in a fixed number of queries (its
    occurrences' findings, visits, inspectors and photos; its events' actors and evidence)."""
    return db.session.scalar(sa.select(Issue).where(Issue.id == issue_id).options(
        selectinload(Issue.hall), selectinload(Issue.window), selectinload(Issue.lead_unit),
        selectinload(Issue.supporting_units), selectinload(Issue.contests),
        selectinload(Issue.occurrences).selectinload(Occurrence.finding).selectinload(Finding.visit)
        .options(selectinload(Visit.inspector), selectinload(Visit.photos)),
        selectinload(Issue.events).options(selectinload(IssueEvent.actor).selectinload(User.unit),
                                           selectinload(IssueEvent.evidence))))


def _of_unit(unit_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(Issue.lead_unit_id == unit_id, Issue.supporting_units.any(Unit.id == unit_id))


def for_unit_query(unit_id: int) -> sa.Select:
    """A unit's issues (lead or supporting), open ones first, by deadline."""
    return _loaded().where(_of_unit(unit_id)).order_by(Issue.state == IssueState.CLOSED, Issue.deadline, Issue.id)


def for_unit(unit_id: int) -> list[Issue]:
    return list(db.session.scalars(for_unit_query(unit_id)))


#: The most deadlines a to-do list shows.
DUE_SHOWN = 20


def _due(where: sa.ColumnElement[bool], today: date, working_days: int = 3) -> tuple[Issue, ...]:
    """Open issues overdue or due within ``working_days`` working days, earliest first (a
    contested issue's deadline is paused, so it is not due)."""
    limit = calendar.add_working_days(today, working_days)
    return tuple(db.session.scalars(_loaded().where(where, Issue.state.not_in(DEADLINE_STOPPED),
                                                    Issue.deadline <= limit)
                                    .order_by(Issue.deadline, Issue.id).limit(DUE_SHOWN)))


def _count(*where: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Issue).where(*where)) or 0


@dataclass(frozen=True)
class Todo:
    visits_to_review: int = 0
    reports_to_verify: int = 0
    extensions_to_decide: int = 0
    contests_to_decide: int = 0
    issues_to_answer: int = 0
    due: tuple[Issue, ...] = ()


def leader_todo(today: date) -> Todo:
    """What waits for the leaders, counted in one statement (it heads their home page)."""
    counts = db.session.execute(_LEADER_COUNTS).one()
    return Todo(visits_to_review=counts[0], reports_to_verify=counts[1], extensions_to_decide=counts[2],
                contests_to_decide=counts[3], due=_due(sa.true(), today))


#: Built once: the leaders' home page runs it on every visit.
_LEADER_COUNTS = sa.select(
    sa.select(sa.func.count()).select_from(Visit).where(Visit.state == VisitState.SUBMITTED).scalar_subquery(),
    sa.func.count().filter(Issue.state.in_((IssueState.REPORTED, IssueState.UNDER_REVIEW))),
    sa.func.count().filter(sa.and_(Issue.state != IssueState.CLOSED, Issue.extension_days_requested.is_not(None))),
    sa.func.count().filter(Issue.state == IssueState.CONTESTED),
).select_from(Issue)


def unit_todo(unit_id: int, today: date) -> Todo:
    """What waits for a unit: issues to answer and deadlines."""
    waiting = (IssueState.ASSIGNED, IssueState.IN_PROGRESS, IssueState.REOPENED)
    mine = _of_unit(unit_id)
    return Todo(issues_to_answer=_count(mine, Issue.state.in_(waiting)), due=_due(mine, today))


def visible_evidence(evidence_uuid: str, viewer: User) -> Evidence | None:
    """Evidence is seen by leaders, admins and the issue's own units."""
    evidence = db.session.scalar(sa.select(Evidence).where(Evidence.uuid == evidence_uuid.lower()))
    if evidence is None:
        return None
    issue = evidence.event.issue
    if viewer.role in (Role.ADMIN, Role.LEADER) or is_responsible(issue, viewer):
        return evidence
    return None
