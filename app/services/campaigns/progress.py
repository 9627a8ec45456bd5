"""How a campaign is going (the leaders' board) and what is disclosed once it closes (一公开)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Assignment,
    AssignmentState,
    Campaign,
    CampaignState,
    Finding,
    FindingState,
    Hall,
    Role,
    Unit,
    User,
    Visit,
    VisitState,
    Window,
)

#: The board's columns, in the order a visit moves through them.
STATUSES = ("pending", "in_progress", "submitted", "approved", "overdue")


def status(assignment: Assignment, visit: Visit | None, today: date) -> str:
    """pending, in progress, submitted or approved; overdue when not submitted by its due date."""
    if visit is not None and visit.state is VisitState.APPROVED:
        return "approved"
    if visit is not None and visit.state is VisitState.SUBMITTED:
        return "submitted"
    if assignment.due_date is not None and today > assignment.due_date:
        return "overdue"
    return "in_progress" if visit is not None else "pending"


@dataclass
class Row:
    assignment: Assignment
    visit: Visit | None
    status: str


@dataclass
class Board:
    rows: list[Row]
    by_inspector: dict[User, Counter[str]] = field(default_factory=dict)
    by_target: dict[Window, Counter[str]] = field(default_factory=dict)

    @property
    def totals(self) -> Counter[str]:
        return Counter(r.status for r in self.rows)


def board(campaign: Campaign, today: date) -> Board:
    """Every assignment of the campaign with its status, overdue ones first."""
    assignments = list(db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.campaign_id == campaign.id, Assignment.state != AssignmentState.CANCELLED)
        .options(selectinload(Assignment.inspector), selectinload(Assignment.window).selectinload(Window.hall),
                 selectinload(Assignment.service_item))))
    latest: dict[int, Visit] = {}
    for visit in db.session.scalars(sa.select(Visit).where(Visit.assignment_id.in_([a.id for a in assignments]))
                                    .order_by(Visit.id)):
        latest[visit.assignment_id] = visit  # type: ignore[index]
    rows = [Row(a, latest.get(a.id), status(a, latest.get(a.id), today)) for a in assignments]
    order = {s: n for n, s in enumerate(("overdue", "pending", "in_progress", "submitted", "approved"))}
    rows.sort(key=lambda r: (order[r.status], r.assignment.due_date or date.max, r.assignment.window.hall.name,
                             r.assignment.window.number, r.assignment.round))
    result = Board(rows)
    for row in rows:
        result.by_inspector.setdefault(row.assignment.inspector, Counter())[row.status] += 1
        result.by_target.setdefault(row.assignment.window, Counter())[row.status] += 1
    return result


@dataclass(frozen=True)
class UnitLine:
    unit: str
    targets: int
    visits: int
    findings: int


@dataclass(frozen=True)
class Disclosure:
    campaign: Campaign
    targets: list[tuple[str, str]]  # (hall, window) drawn, no inspector
    units: list[UnitLine]
    visits_done: int
    assignments: int


def disclosure(campaign: Campaign) -> Disclosure:
    """What 一公开 discloses: targets drawn, visits done and findings per unit — never who visited."""
    rows = db.session.execute(
        sa.select(Assignment, Hall.name, Window.number, Window.name, Unit.name)
        .join(Window, Assignment.window_id == Window.id).join(Hall, Window.hall_id == Hall.id)
        .join(Unit, Window.unit_id == Unit.id).where(Assignment.campaign_id == campaign.id)).all()
    approved = {v.assignment_id: v for v in db.session.scalars(sa.select(Visit).where(
        Visit.assignment_id.in_([r[0].id for r in rows]), Visit.state == VisitState.APPROVED))}
    findings = Counter[int]()
    for visit_id, _kind in db.session.execute(sa.select(Finding.visit_id, Finding.state).where(
            Finding.visit_id.in_([v.id for v in approved.values()]), Finding.state == FindingState.CONFIRMED)):
        findings[visit_id] += 1
    per_unit: dict[str, list[int]] = {}
    targets: set[tuple[str, str]] = set()
    for assignment, hall, number, window_name, unit in rows:
        targets.add((hall, f"{number} {window_name}"))
        line = per_unit.setdefault(unit, [0, 0, 0])
        visit = approved.get(assignment.id)
        if assignment.round == 1:
            line[0] += 1
        if visit is not None:
            line[1] += 1
            line[2] += findings[visit.id]
    units = [UnitLine(name, *counts) for name, counts in sorted(per_unit.items())]
    return Disclosure(campaign, sorted(targets), units, len(approved), len(rows))


#: Built once (the leaders' pages list them in their filters).
_CAMPAIGNS = sa.select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
_PUBLISHED = _CAMPAIGNS.where(Campaign.state == CampaignState.PUBLISHED)


def visible_to(user: User) -> list[Campaign]:
    """The campaigns a user may see the disclosure of: units only once published."""
    return list(db.session.scalars(_PUBLISHED if user.role is Role.UNIT else _CAMPAIGNS))
