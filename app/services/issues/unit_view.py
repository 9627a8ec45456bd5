"""What a responsible unit sees of an issue: built without the visits, so never the inspector.

A unit's page is rendered from these values only. They hold dates, not times; a finding's
title and detail, not the visit it came from; "inspection leaders", not a leader's name; and
no step that would tell a unit a re-visit is coming.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import joinedload, selectinload

from app.models import (
    DEADLINE_STOPPED,
    Category,
    Issue,
    IssueEvent,
    IssueState,
    Occurrence,
    RectificationType,
    Severity,
    User,
)
from app.services import wording

#: What a unit sees of the timeline: re-visits are never announced to it (SECURITY.md §6.10-6.12).
UNIT_HIDDEN_EVENTS = frozenset({"revisit_assigned", "revisit_inconclusive"})
UNIT_EVENT_AS = {"revisit_failed": "sent_back", "closed_by_revisit": "closed"}
#: What ``unit_view`` reads of an issue, loaded for a whole list of issues at once (options of
#: its query): a query per collection instead of several per issue — a notice to a unit with six
#: issues ran 65 statements.
UNIT_VIEW_LOADS = (
    selectinload(Issue.occurrences).joinedload(Occurrence.finding),
    selectinload(Issue.supporting_units),
    selectinload(Issue.events).options(selectinload(IssueEvent.evidence),
                                       joinedload(IssueEvent.actor).joinedload(User.unit)),
)


@dataclass(frozen=True)
class Named:
    name: str


@dataclass(frozen=True)
class WindowRef:
    number: str
    name: str


@dataclass(frozen=True)
class UnitOccurrence:
    observed_on: date
    recurrence: bool
    #: In the reader's language (the view is built while the request's locale is set).
    title: str
    detail: str


@dataclass(frozen=True)
class UnitEvent:
    on: date
    kind: str
    #: The unit's own name for its steps, None for the leaders' ("inspection leaders").
    unit_name: str | None
    by_leaders: bool
    #: What the step did, in the reader's language; then what someone wrote, as written.
    text: str
    note: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class UnitIssue:
    id: int
    #: Its category at its window, and the distinct problems it holds.
    heading: str
    problems: tuple[wording.Problem, ...]
    hall: Named
    window: WindowRef | None
    category: Category
    severity: Severity
    state: IssueState
    rework_count: int
    rectification_type: RectificationType
    deadline: date
    extension_days_requested: int | None
    #: Working days left when the unit contested, while its contest waits (the deadline is paused).
    paused_days: int | None
    lead_unit: Named
    supporting_units: tuple[Named, ...]
    escalation_level: int
    occurrences: tuple[UnitOccurrence, ...]
    events: tuple[UnitEvent, ...]

    def overdue(self, today: date) -> bool:
        return self.state not in DEADLINE_STOPPED and today > self.deadline


def _event(event: IssueEvent) -> UnitEvent:
    unit_name = None
    if event.actor_role == "unit":
        unit_name = event.actor.unit.name if event.actor and event.actor.unit else ""
    return UnitEvent(on=event.at.date(), kind=UNIT_EVENT_AS.get(event.kind, event.kind), unit_name=unit_name,
                     by_leaders=event.actor_role == "leader", text=wording.event_text(event), note=event.note,
                     evidence=tuple(e.uuid for e in event.evidence))


def unit_view(issue: Issue) -> UnitIssue:
    """The issue as its units see it (the caller has checked the viewer is responsible)."""
    window = WindowRef(issue.window.number, issue.window.name) if issue.window else None
    return UnitIssue(
        id=issue.id, heading=wording.issue_heading(issue.category, issue.window),
        problems=wording.problems(o.finding for o in issue.occurrences), hall=Named(issue.hall.name),
        window=window, category=issue.category,
        severity=issue.severity, state=issue.state, rework_count=issue.rework_count,
        rectification_type=issue.rectification_type, deadline=issue.deadline,
        extension_days_requested=issue.extension_days_requested, paused_days=issue.paused_days,
        lead_unit=Named(issue.lead_unit.name),
        supporting_units=tuple(Named(u.name) for u in issue.supporting_units),
        escalation_level=issue.escalation_level,
        occurrences=tuple(UnitOccurrence(o.observed_on, o.recurrence, wording.finding_title(o.finding),
                                         wording.finding_detail(o.finding)) for o in issue.occurrences),
        events=tuple(_event(e) for e in issue.events if e.kind not in UNIT_HIDDEN_EVENTS))
