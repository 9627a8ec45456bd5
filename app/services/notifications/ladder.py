"""Follow-up that does not depend on anyone's memory, counted in working days on the deadlines'
calendar (holidays and make-up days included):

- a reminder to the unit N working days before the deadline (REMIND_BEFORE, default 3);
- on the first working day after the deadline, the overdue notice (督办): the issue's
  escalation level rises to 1, an event is written, the unit and the leaders are told;
- at further points (default 5 and 10 working days overdue) the leaders are asked to confirm
  the next step, an admonition talk (约谈) and then a circular (通报); they confirm with the
  issue's "escalate" step.

Each step is a ReminderStep row unique per (issue, step, deadline), taken before anyone is
told, so a second run or a second worker takes none again; an extended deadline starts anew.
Each issue's steps commit on their own (a long run never holds SQLite's write lock for long).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Issue, IssueState, ReminderStep
from app.services import calendar
from app.services.notifications.core import _insert, notify_leaders, notify_unit

#: Issues the unit still has to answer: reminded, and overdue once past the deadline.
WAITING_ON_UNIT = (IssueState.ASSIGNED, IssueState.IN_PROGRESS, IssueState.REOPENED)
#: (working days overdue, escalation level the leader is asked to confirm, notification kind).
PROPOSALS = ((5, 2, "issue.propose_talk"), (10, 3, "issue.propose_circular"))


@dataclass
class Summary:
    """What a run did, per step (for the command's output and the tests)."""

    taken: dict[str, int] = field(default_factory=dict)

    def add(self, step: str) -> None:
        self.taken[step] = self.taken.get(step, 0) + 1


class _Days:
    """Working days between two dates, reading the announced days once per run."""

    def __init__(self, low: date, high: date) -> None:
        self.announced = calendar.overrides(low, high)

    def between(self, start: date, end: date) -> int:
        if end <= start:
            return -self.between(end, start) if end < start else 0
        return sum(1 for n in range(1, (end - start).days + 1)
                   if calendar.is_working_day(start + timedelta(days=n), self.announced))


def _take(issue: Issue, step: str, today: date) -> bool:
    return _insert(ReminderStep(issue_id=issue.id, step=step, deadline=issue.deadline, taken_on=today))


def _params(issue: Issue) -> dict[str, object]:
    return {"issue": issue.id, "title": issue.title, "title_en": issue.title_en, "deadline": issue.deadline.isoformat(),
            "unit": issue.lead_unit.name}


def _steps(issue: Issue, today: date, days: _Days, remind_before: int,
           proposals: tuple[tuple[int, int, str], ...], summary: Summary) -> None:
    link = f"/issues/{issue.id}"
    params = _params(issue)
    key = f"issue:{issue.id}:{issue.deadline.isoformat()}"
    if today <= issue.deadline:
        left = days.between(today, issue.deadline)
        if left <= remind_before and _take(issue, "reminder", today):
            notify_unit(issue.lead_unit, "issue.reminder", {**params, "days": left}, link=link,
                        key=f"reminder:{key}")
            summary.add("reminder")
        return
    late = days.between(issue.deadline, today)
    if late < 1:
        return  # the deadline fell before a holiday: the notice waits for the next working day
    if _take(issue, "overdue", today):
        issue.escalation_level = max(issue.escalation_level, 1)
        from app.services.issues.lifecycle import add_event  # the lifecycle tells through this package

        add_event(issue, None, "overdue_notice", params={"days": late})
        notify_unit(issue.lead_unit, "issue.overdue", params, link=link, key=f"overdue:{key}")
        notify_leaders("issue.overdue_leader", params, link=link, key=f"overdue-leader:{key}")
        summary.add("overdue")
    for after, level, kind in proposals:
        if late >= after and issue.escalation_level < level and _take(issue, f"propose_{level}", today):
            notify_leaders(kind, {**params, "days": late}, link=link, key=f"propose-{level}:{key}")
            summary.add(f"propose_{level}")


def remind(today: date, *, remind_before: int = 3,
           proposals: tuple[tuple[int, int, str], ...] = PROPOSALS) -> Summary:
    """Take every step due on ``today`` (China's day). Commits each issue's steps."""
    summary = Summary()
    ids = list(db.session.scalars(sa.select(Issue.id).where(Issue.state.in_(WAITING_ON_UNIT)).order_by(Issue.id)))
    if not ids:
        return summary
    low, high = db.session.execute(sa.select(sa.func.min(Issue.deadline), sa.func.max(Issue.deadline))
                                   .where(Issue.id.in_(ids))).one()
    days = _Days(min(low, today) - timedelta(days=1), max(high, today) + timedelta(days=1))
    db.session.commit()
    for start in range(0, len(ids), 200):
        for issue in db.session.scalars(sa.select(Issue).where(Issue.id.in_(ids[start:start + 200]))
                                        .options(selectinload(Issue.lead_unit))):
            if issue.state in WAITING_ON_UNIT:
                _steps(issue, today, days, remind_before, proposals, summary)
                db.session.commit()
    return summary
