"""Review of visits, issues from findings, and the rectification loop (交办→整改→反馈→复核→销号).

Every state change goes through ``_move`` (the lifecycle's guard on the model) and writes an
IssueEvent and an audit row. Units act on their own issues only; leaders review; the
reviewer is never the responsible unit (units cannot reach review actions at all).
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.labels import STATE_LABELS
from app.models import (
    Assignment,
    Category,
    Evidence,
    Finding,
    FindingState,
    InvalidTransition,
    Issue,
    IssueEvent,
    IssueState,
    Occurrence,
    RectificationType,
    Role,
    Severity,
    Unit,
    User,
    Visit,
    VisitState,
    Window,
)
from app.models.base import utcnow
from app.services import audit, calendar, checklists, visits
from app.services.errors import ServiceError
from app.services.storage import FileStorage

#: Working days to rectify, by severity (leaders can change a deadline).
RECTIFICATION_DAYS = {Severity.CRITICAL: 3, Severity.HIGH: 5, Severity.MEDIUM: 10, Severity.LOW: 15}
#: Findings about the guide itself: at a comprehensive window the item's unit leads.
GUIDE_CATEGORIES = (Category.MATERIALS, Category.EFFICIENCY, Category.FEES)
MAX_EVIDENCE = 10
ESCALATION_MAX = 3


def china_today(now: datetime | None = None) -> date:
    """Today's date in China (deadlines and overdue are counted in China's days)."""
    return (now or utcnow()).astimezone(ZoneInfo("Asia/Shanghai")).date()


def _event(issue: Issue, actor: User | None, kind: str, note: str = "",
           previous: IssueState | None = None) -> IssueEvent:
    event = IssueEvent(issue=issue, actor_id=actor.id if actor else None,
                       actor_role=str(actor.role) if actor else "system", kind=kind, note=note.strip()[:2000],
                       from_state=str(previous) if previous else None,
                       to_state=str(issue.state) if previous else None)
    db.session.add(event)
    audit.record(f"issue.{kind}", actor=actor, actor_name="" if actor else "system",
                 object_type="issue", object_id=issue.id or "", detail=f"{previous or ''}->{issue.state}")
    return event


def _move(issue: Issue, to: IssueState, actor: User | None, kind: str, note: str = "") -> IssueEvent:
    try:
        previous = issue.move(to)
    except InvalidTransition as exc:
        raise ServiceError(_l("This step is not possible while the issue is %(state)s.",
                              state=STATE_LABELS[issue.state])) from exc
    return _event(issue, actor, kind, note, previous)


# --- Review of visits ---------------------------------------------------------------------------


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


def return_visit(visit: Visit, leader: User, comment: str) -> None:
    """Send a submitted visit back to its inspector with a comment."""
    if not comment.strip():
        raise ServiceError(_l("Say what should change."), field="comment")
    try:
        visit.return_to_inspector(comment.strip()[:1000])
    except InvalidTransition as exc:
        raise ServiceError(_l("Only submitted visits can be reviewed.")) from exc
    audit.record("visit.return", actor=leader, object_type="visit", object_id=visit.id)


def approve(visit: Visit, leader: User, now: datetime | None = None) -> list[Issue]:
    """Approve a visit: its remaining findings become issues (or occurrences of open ones)."""
    _reviewable(visit)
    now = now or utcnow()
    visit.state = VisitState.APPROVED
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
    _judge_revisit(visit, confirmed, leader)
    db.session.flush()
    return touched


def _key(finding: Finding, visit: Visit) -> tuple[int, int | None, Category]:
    return visit.window.hall_id, (None if finding.hall_level else visit.window_id), finding.category


def _find_issue(hall_id: int, window_id: int | None, category: Category, *, open_only: bool) -> Issue | None:
    stmt = sa.select(Issue).where(Issue.hall_id == hall_id, Issue.category == category,
                                  Issue.window_id.is_(None) if window_id is None else Issue.window_id == window_id)
    if open_only:
        stmt = stmt.where(Issue.state != IssueState.CLOSED)
    return db.session.scalar(stmt.order_by(Issue.id.desc()).limit(1))


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
        _event(issue, actor, "occurrence", finding.title_zh)
    else:
        closed = _find_issue(hall_id, window_id, category, open_only=False)
        if closed is not None and closed.state is IssueState.CLOSED:
            issue, recurrence = closed, True
            issue.closed_on = None
            issue.extension_days_requested = None
            issue.severity = max(issue.severity, finding.severity, key=lambda s: s.rank)
            issue.deadline = calendar.add_working_days(today, RECTIFICATION_DAYS[issue.severity])
            _move(issue, IssueState.REOPENED, actor, "reopened", finding.title_zh)
        else:
            lead, supporting = _units_for(finding, visit)
            issue = Issue(hall_id=hall_id, window_id=window_id, category=category, state=IssueState.ASSIGNED,
                          severity=finding.severity, title=finding.title_zh,
                          rectification_type=(RectificationType.IMMEDIATE if finding.severity is Severity.LOW
                                              else RectificationType.DEADLINE),
                          deadline=calendar.add_working_days(today, RECTIFICATION_DAYS[finding.severity]),
                          lead_unit=lead, supporting_units=supporting, opened_on=today)
            db.session.add(issue)
            db.session.flush()
            recurrence = False
            _event(issue, actor, "assigned", finding.title_zh)
    db.session.add(Occurrence(issue=issue, finding_id=finding.id, observed_on=observed, recurrence=recurrence))
    finding.issue_id = issue.id
    return issue


def _judge_revisit(visit: Visit, confirmed: list[Finding], leader: User) -> None:
    """A re-visit assigned from an issue passes if it found nothing of the issue's kind there."""
    if visit.assignment_id is None:
        return
    for issue in db.session.scalars(sa.select(Issue).where(Issue.revisit_assignment_id == visit.assignment_id)):
        if issue.state is not IssueState.UNDER_REVIEW:
            continue
        again = [f for f in confirmed if f.category is issue.category
                 and (f.hall_level if issue.window_id is None
                      else (not f.hall_level and visit.window_id == issue.window_id))]
        issue.revisit_assignment_id = None
        if again:
            issue.rework_count += 1
            _move(issue, IssueState.IN_PROGRESS, leader, "revisit_failed", again[0].title_zh)
        else:
            issue.closed_on = china_today()
            issue.extension_days_requested = None
            _move(issue, IssueState.CLOSED, leader, "closed_by_revisit")


# --- The unit's steps ---------------------------------------------------------------------------


def is_responsible(issue: Issue, user: User) -> bool:
    """Whether ``user`` is a unit account of the issue's lead or supporting units."""
    return user.role is Role.UNIT and user.unit_id in {u.id for u in issue.units()}


def _unit_only(issue: Issue, user: User) -> None:
    if not is_responsible(issue, user):
        raise ServiceError(_l("Only the responsible unit can do this."))


def start(issue: Issue, user: User) -> None:
    """The unit starts rectifying."""
    _unit_only(issue, user)
    _move(issue, IssueState.IN_PROGRESS, user, "started")


def report(issue: Issue, user: User, measures: str, files: list[tuple[str, BinaryIO]],
           storage: FileStorage) -> IssueEvent:
    """The unit reports its measures with evidence photos (all of them processed, or none kept)."""
    _unit_only(issue, user)
    if not measures.strip():
        raise ServiceError(_l("Describe the measures taken."), field="measures")
    if len(files) > MAX_EVIDENCE:
        raise ServiceError(_l("At most %(n)d photos.", n=MAX_EVIDENCE), field="evidence")
    processed = [visits.process(stream) for _name, stream in files]  # refuses before writing anything
    event = _move(issue, IssueState.REPORTED, user, "reported", measures)
    saved: list[str] = []
    try:
        for result in processed:
            image_key = storage.save(result.image)
            saved.append(image_key)
            thumb_key = storage.save(result.thumbnail)
            saved.append(thumb_key)
            event.evidence.append(Evidence(uuid=str(uuid_module.uuid4()), storage_key=image_key,
                                           thumbnail_key=thumb_key, sha256=result.sha256,
                                           width=result.width, height=result.height))
        db.session.flush()
    except BaseException:
        for key in saved:
            storage.delete(key)
        raise
    return event


def explain(issue: Issue, user: User, explanation: str) -> None:
    """The unit explains why the finding does not call for rectification (解释说明)."""
    _unit_only(issue, user)
    if not explanation.strip():
        raise ServiceError(_l("Write the explanation."), field="explanation")
    _move(issue, IssueState.REPORTED, user, "explained", explanation)


def request_extension(issue: Issue, user: User, days: int, reason: str) -> None:
    """The unit asks for more working days; a leader accepts or refuses."""
    _unit_only(issue, user)
    if not issue.is_open or issue.extension_days_requested:
        raise ServiceError(_l("An extension cannot be asked for now."))
    if not 1 <= days <= 60 or not reason.strip():
        raise ServiceError(_l("Give 1 to 60 working days and a reason."), field="days")
    issue.extension_days_requested = days
    _event(issue, user, "extension_requested", f"+{days}: {reason}")


# --- The leaders' steps --------------------------------------------------------------------------


def decide_extension(issue: Issue, leader: User, accept: bool, note: str = "") -> None:
    """Accept (the deadline moves by the requested working days) or refuse an extension."""
    days = issue.extension_days_requested
    if not days or not issue.is_open:
        raise ServiceError(_l("No extension was asked for."))
    issue.extension_days_requested = None
    if accept:
        issue.deadline = calendar.add_working_days(issue.deadline, days)
    _event(issue, leader, "extension_accepted" if accept else "extension_refused", note)


def begin_review(issue: Issue, leader: User) -> None:
    """A leader takes a reported issue under review."""
    _move(issue, IssueState.UNDER_REVIEW, leader, "review_started")


def send_back(issue: Issue, leader: User, note: str) -> None:
    """The review fails: back to in progress, with what is still wrong."""
    if not note.strip():
        raise ServiceError(_l("Say what is still wrong."), field="note")
    issue.rework_count += 1
    issue.revisit_assignment_id = None  # a re-visit assigned before no longer decides
    _move(issue, IssueState.IN_PROGRESS, leader, "sent_back", note)


def close_with_reason(issue: Issue, leader: User, reason: str) -> None:
    """Close out on a leader's explicit acceptance of the evidence (销号), with a written reason."""
    if not reason.strip():
        raise ServiceError(_l("Write why the evidence is accepted."), field="reason")
    if issue.state not in (IssueState.REPORTED, IssueState.UNDER_REVIEW):
        raise ServiceError(_l("This step is not possible while the issue is %(state)s.",
                              state=STATE_LABELS[issue.state]))
    issue.closed_on = china_today()
    issue.revisit_assignment_id = None
    issue.extension_days_requested = None
    _move(issue, IssueState.CLOSED, leader, "closed_by_leader", reason)


def assign_revisit(issue: Issue, leader: User, inspector_id: int, due: date | None = None) -> Assignment:
    """A leader sends a different inspector back to the window to verify the fix."""
    if issue.state not in (IssueState.REPORTED, IssueState.UNDER_REVIEW):
        raise ServiceError(_l("This step is not possible while the issue is %(state)s.",
                              state=STATE_LABELS[issue.state]))
    earlier = {o.finding.visit.inspector_id for o in issue.occurrences}
    if inspector_id in earlier:
        raise ServiceError(_l("The re-visit needs a different inspector."), field="inspector_id")
    window = issue.window or db.session.scalar(
        sa.select(Window).where(Window.hall_id == issue.hall_id, Window.active.is_(True)).order_by(Window.number))
    if window is None:
        raise ServiceError(_l("Choose an active window."))
    assignment = visits.assign(visits.AssignmentData(
        inspector_id=inspector_id, window_id=window.id, due_date=due,
        note=str(_l("Re-visit to verify issue #%(id)s", id=issue.id))), actor=leader)
    issue.revisit_assignment_id = assignment.id
    if issue.state is IssueState.REPORTED:
        _move(issue, IssueState.UNDER_REVIEW, leader, "revisit_assigned")
    else:
        _event(issue, leader, "revisit_assigned")
    return assignment


def escalate(issue: Issue, leader: User, note: str = "") -> None:
    """One step up: 督办, 约谈, 通报."""
    if not issue.is_open or issue.escalation_level >= ESCALATION_MAX:
        raise ServiceError(_l("This issue cannot be escalated further."))
    issue.escalation_level += 1
    _event(issue, leader, f"escalated_{issue.escalation_level}", note)


@dataclass(frozen=True)
class IssueSettings:
    lead_unit_id: int
    supporting_unit_ids: tuple[int, ...]
    severity: Severity
    rectification_type: RectificationType
    deadline: date


def update_settings(issue: Issue, data: IssueSettings, leader: User) -> None:
    """Leaders change units, severity, rectification type and deadline (each change recorded)."""
    lead = db.session.get(Unit, data.lead_unit_id)
    if lead is None:
        raise ServiceError(_l("Choose an active unit."), field="lead_unit_id")
    supporting = list(db.session.scalars(sa.select(Unit).where(
        Unit.id.in_(data.supporting_unit_ids), Unit.id != lead.id)))
    changes = []
    if lead.id != issue.lead_unit_id:
        changes.append(f"lead: {issue.lead_unit.name} → {lead.name}")
    if {u.id for u in supporting} != {u.id for u in issue.supporting_units}:
        changes.append("supporting: " + "、".join(u.name for u in supporting))
    for name in ("severity", "rectification_type", "deadline"):
        if getattr(issue, name) != getattr(data, name):
            changes.append(f"{name}: {getattr(issue, name)} → {getattr(data, name)}")
    if not changes:
        return
    issue.lead_unit, issue.supporting_units = lead, supporting
    issue.severity, issue.rectification_type, issue.deadline = data.severity, data.rectification_type, data.deadline
    _event(issue, leader, "updated", "; ".join(changes))


# --- Queries -------------------------------------------------------------------------------------


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


def _loaded() -> sa.Select:
    return sa.select(Issue).options(selectinload(Issue.hall), selectinload(Issue.window),
                                    selectinload(Issue.lead_unit), selectinload(Issue.supporting_units))


def search(spec: IssueFilter, today: date) -> list[Issue]:
    """Issues for leaders, filtered and sorted."""
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
        stmt = stmt.where(Issue.state != IssueState.CLOSED, Issue.deadline < today)
    order = {"deadline": (Issue.deadline, Issue.id), "newest": (Issue.id.desc(),),
             "severity": (sa.case({s.value: -s.rank for s in Severity}, value=Issue.severity), Issue.deadline)}
    return list(db.session.scalars(stmt.order_by(*order.get(spec.sort, order["deadline"]))))


def for_unit(unit_id: int) -> list[Issue]:
    """A unit's issues (lead or supporting), open ones first, by deadline."""
    stmt = _loaded().where(sa.or_(Issue.lead_unit_id == unit_id, Issue.supporting_units.any(Unit.id == unit_id)))
    return list(db.session.scalars(stmt.order_by(Issue.state == IssueState.CLOSED, Issue.deadline)))


def due_soon(issues: list[Issue], today: date, working_days: int = 3) -> list[Issue]:
    """Open issues overdue or due within ``working_days`` working days."""
    limit = calendar.add_working_days(today, working_days)
    return [i for i in issues if i.is_open and i.deadline <= limit]


@dataclass(frozen=True)
class Todo:
    visits_to_review: int = 0
    reports_to_verify: int = 0
    extensions_to_decide: int = 0
    issues_to_answer: int = 0
    due: tuple[Issue, ...] = ()


def leader_todo(today: date) -> Todo:
    """What waits for the leaders."""
    open_issues = search(IssueFilter(), today)
    return Todo(
        visits_to_review=db.session.scalar(sa.select(sa.func.count()).select_from(Visit)
                                           .where(Visit.state == VisitState.SUBMITTED)) or 0,
        reports_to_verify=sum(1 for i in open_issues if i.state in (IssueState.REPORTED, IssueState.UNDER_REVIEW)),
        extensions_to_decide=sum(1 for i in open_issues if i.extension_days_requested),
        due=tuple(due_soon(open_issues, today)),
    )


def unit_todo(unit_id: int, today: date) -> Todo:
    """What waits for a unit: issues to answer and deadlines."""
    mine = for_unit(unit_id)
    waiting = (IssueState.ASSIGNED, IssueState.IN_PROGRESS, IssueState.REOPENED)
    return Todo(issues_to_answer=sum(1 for i in mine if i.state in waiting), due=tuple(due_soon(mine, today)))


#: What a unit sees of the timeline: re-visits are never announced to it (SECURITY.md §6.10-6.12).
UNIT_HIDDEN_EVENTS = frozenset({"revisit_assigned"})
UNIT_EVENT_AS = {"revisit_failed": "sent_back", "closed_by_revisit": "closed"}


def timeline(issue: Issue, for_unit: bool) -> list[tuple[IssueEvent, str]]:
    """The issue's events with the label to show; a unit never learns of a re-visit."""
    if not for_unit:
        return [(event, event.kind) for event in issue.events]
    return [(event, UNIT_EVENT_AS.get(event.kind, event.kind)) for event in issue.events
            if event.kind not in UNIT_HIDDEN_EVENTS]


def visible_evidence(evidence_uuid: str, viewer: User) -> Evidence | None:
    """Evidence is seen by leaders, admins and the issue's own units."""
    evidence = db.session.scalar(sa.select(Evidence).where(Evidence.uuid == evidence_uuid.lower()))
    if evidence is None:
        return None
    issue = evidence.event.issue
    if viewer.role in (Role.ADMIN, Role.LEADER) or is_responsible(issue, viewer):
        return evidence
    return None
