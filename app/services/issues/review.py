"""Review of visits: leaders weigh the proposed findings, then return or approve the visit.

Approval turns the remaining findings into issues, one per hall (or window) and category:
a repeat adds an occurrence to the open issue, or reopens a closed one. A re-visit assigned
from an issue decides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    Category,
    Finding,
    FindingState,
    InvalidTransition,
    Issue,
    IssueState,
    Occurrence,
    RectificationType,
    Severity,
    Unit,
    User,
    Visit,
    VisitState,
)
from app.models.base import utcnow
from app.services import audit, calendar, checklists, visits, wording
from app.services.errors import ServiceError
from app.services.issues import revisits
from app.services.issues.lifecycle import add_event, china_today, move
from app.services.notifications import events as notification_events

#: Working days to rectify, by severity (leaders can change a deadline).
RECTIFICATION_DAYS = {Severity.CRITICAL: 3, Severity.HIGH: 5, Severity.MEDIUM: 10, Severity.LOW: 15}
#: Findings about the guide itself: at a comprehensive window the item's unit leads.
GUIDE_CATEGORIES = (Category.MATERIALS, Category.EFFICIENCY, Category.FEES)


def _reviewable(visit: Visit) -> None:
    if visit.state is not VisitState.SUBMITTED:
        raise ServiceError(_l("Only submitted visits can be reviewed."))


def dismiss(finding: Finding, leader: User, note: str = "") -> None:
    """A leader drops a proposed finding (it never reaches a unit)."""
    _reviewable(finding.visit)
    finding.state, finding.note = FindingState.DISMISSED, note.strip()[:500]
    audit.record("finding.dismiss", actor=leader, object_type="finding", object_id=finding.id)


def restore(finding: Finding, leader: User) -> None:
    """Undo a dismissal before approval."""
    _reviewable(finding.visit)
    finding.state = FindingState.PROPOSED
    audit.record("finding.restore", actor=leader, object_type="finding", object_id=finding.id)


def regrade(finding: Finding, severity: Severity, leader: User) -> None:
    """A leader changes a finding's severity."""
    _reviewable(finding.visit)
    finding.severity = severity
    audit.record("finding.regrade", actor=leader, object_type="finding", object_id=finding.id, detail=str(severity))


@dataclass(frozen=True)
class ManualFinding:
    category: Category
    severity: Severity
    title: str
    detail: str = ""
    hall_level: bool = False


def add_manual(visit: Visit, data: ManualFinding, leader: User) -> Finding:
    """A leader adds a finding no rule made."""
    _reviewable(visit)
    if not data.title.strip():
        raise ServiceError(_l("Enter a name."), field="title")
    finding = Finding(visit_id=visit.id, rule="manual", category=data.category, severity=data.severity,
                      hall_level=data.hall_level, title_zh=data.title.strip()[:200], title_en=data.title.strip()[:200],
                      detail=data.detail.strip()[:1000], manual=True)
    db.session.add(finding)
    db.session.flush()
    audit.record("finding.add", actor=leader, object_type="finding", object_id=finding.id)
    return finding


def return_visit(visit: Visit, leader: User, comment: str, now: datetime | None = None) -> None:
    """Send a submitted visit back to its inspector with a comment; what the leader reviewed
    is kept (a ``VisitRevision``), so the resubmission can be compared with it."""
    if not comment.strip():
        raise ServiceError(_l("Say what should change."), field="comment")
    try:
        visit.return_to_inspector(comment.strip()[:1000], visits.submission(visit), leader, now or utcnow())
    except InvalidTransition as exc:
        raise ServiceError(_l("Only submitted visits can be reviewed.")) from exc
    audit.record("visit.return", actor=leader, object_type="visit", object_id=visit.id)
    db.session.flush()
    notification_events.visit_returned(visit, comment.strip()[:1000])


@dataclass(frozen=True)
class ApprovalPlan:
    """What approving a visit will do, shown before the leader confirms: the issues its
    remaining findings go to (``joining`` of them already open) and the units that lead them."""

    issues: int
    joining: int
    units: tuple[str, ...]


def approval_plan(visit: Visit, findings: list[Finding] | None = None) -> ApprovalPlan:
    """The issues and units that ``approve`` would reach now (the same grouping, nothing written);
    ``findings``: the visit's, when the caller has them already."""
    targets: dict[tuple[int, int | None, Category], Issue | None] = {}
    units: dict[int, str] = {}
    for finding in checklists.of_visit(visit) if findings is None else findings:
        if finding.state is FindingState.DISMISSED:
            continue
        key = _key(finding, visit)
        if key in targets:
            continue
        targets[key] = joined = _find_issue(*key, open_only=True)
        lead = joined.lead_unit if joined is not None else _units_for(finding, visit)[0]
        units.setdefault(lead.id, lead.name)
    return ApprovalPlan(issues=len(targets), joining=sum(1 for i in targets.values() if i is not None),
                        units=tuple(units.values()))


def approve(visit: Visit, leader: User, now: datetime | None = None) -> list[Issue]:
    """Approve a visit: its remaining findings become issues (or occurrences of open ones)."""
    now = now or utcnow()
    try:
        visit.approve()
    except InvalidTransition as exc:
        raise ServiceError(_l("Only submitted visits can be reviewed.")) from exc
    audit.record("visit.approve", actor=leader, object_type="visit", object_id=visit.id)
    touched: list[Issue] = []
    confirmed = []
    for finding in checklists.of_visit(visit):
        if finding.state is FindingState.DISMISSED:
            continue
        finding.state = FindingState.CONFIRMED
        confirmed.append(finding)
        issue = _aggregate(finding, visit, leader, now)
        if issue not in touched:
            touched.append(issue)
    revisits.judge(visit, confirmed, leader)
    db.session.flush()
    return touched


def _key(finding: Finding, visit: Visit) -> tuple[int, int | None, Category]:
    return visit.window.hall_id, (None if finding.hall_level else visit.window_id), finding.category


def _issue_lookup(hall_level: bool, open_only: bool) -> sa.Select[Issue]:
    stmt = sa.select(Issue).where(
        Issue.hall_id == sa.bindparam("hall_id"), Issue.category == sa.bindparam("category", type_=Issue.category.type),
        Issue.window_id.is_(None) if hall_level else Issue.window_id == sa.bindparam("window_id"))
    if open_only:
        stmt = stmt.where(Issue.state != IssueState.CLOSED)
    # With its lead unit: the review page's plan names it, approving notifies it.
    return stmt.order_by(Issue.id.desc()).limit(1).options(joinedload(Issue.lead_unit))


#: Built once (the review page looks one up for each kind of finding).
_ISSUE_LOOKUPS = {(hall_level, open_only): _issue_lookup(hall_level, open_only)
                  for hall_level in (False, True) for open_only in (False, True)}


def _find_issue(hall_id: int, window_id: int | None, category: Category, *, open_only: bool) -> Issue | None:
    """The latest issue of this kind at this window (or hall-level), open ones only if asked."""
    return db.session.scalar(_ISSUE_LOOKUPS[window_id is None, open_only],
                             {"hall_id": hall_id, "window_id": window_id, "category": category})


def _units_for(finding: Finding, visit: Visit) -> tuple[Unit, list[Unit]]:
    window = visit.window
    item = visit.service_item
    if (window.comprehensive and item is not None and finding.category in GUIDE_CATEGORIES
            and item.unit_id != window.unit_id):
        return item.unit, [window.unit]
    return window.unit, []


def _aggregate(finding: Finding, visit: Visit, actor: User, now: datetime) -> Issue:
    hall_id, window_id, category = _key(finding, visit)
    observed = china_today(visit.arrived_at or visit.submitted_at or now)
    today = china_today(now)
    issue = _find_issue(hall_id, window_id, category, open_only=True)
    if issue is not None:
        recurrence = issue.state is IssueState.REOPENED
        if finding.severity.rank > issue.severity.rank:
            issue.severity = finding.severity
            # A graver repeat tightens the deadline (never loosens it).
            issue.deadline = min(issue.deadline, calendar.add_working_days(today, RECTIFICATION_DAYS[issue.severity]))
        add_event(issue, actor, "occurrence", params={"finding": wording.finding_titles(finding)})
    else:
        closed = _find_issue(hall_id, window_id, category, open_only=False)
        if closed is not None and closed.state is IssueState.CLOSED:
            issue, recurrence = closed, True
            issue.closed_on = None
            issue.extension_days_requested = None
            issue.severity = max(issue.severity, finding.severity, key=lambda s: s.rank)
            issue.deadline = calendar.add_working_days(today, RECTIFICATION_DAYS[issue.severity])
            move(issue, IssueState.REOPENED, actor, "reopened", params={"finding": wording.finding_titles(finding)})
        else:
            lead, supporting = _units_for(finding, visit)
            issue = Issue(hall_id=hall_id, window_id=window_id, category=category, state=IssueState.ASSIGNED,
                          severity=finding.severity, title=finding.title_zh[:200], title_en=finding.title_en[:200],
                          rectification_type=(RectificationType.IMMEDIATE if finding.severity is Severity.LOW
                                              else RectificationType.DEADLINE),
                          deadline=calendar.add_working_days(today, RECTIFICATION_DAYS[finding.severity]),
                          lead_unit=lead, supporting_units=supporting, opened_on=today)
            db.session.add(issue)
            db.session.flush()
            recurrence = False
            add_event(issue, actor, "assigned", params={"finding": wording.finding_titles(finding)})
    db.session.add(Occurrence(issue=issue, finding=finding, observed_on=observed, recurrence=recurrence))
    finding.issue_id = issue.id
    # Titled by what it holds: a window's efficiency issue may hold waits, time limits and trips.
    wording.retitle(issue)
    return issue


