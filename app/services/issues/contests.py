"""Contests (申诉): a unit that has not started work says an issue is not its duty, or that the
finding is wrong; a leader transfers the issue, dismisses the finding, or rejects the contest.

While a contest waits the deadline is paused: the working days left are kept on the contest,
and a decision that leaves the unit responsible gives them back from the day of the decision.
Every step moves through the lifecycle's guard (``move``), so it is an IssueEvent and an
audit row. The visit's record is never touched: a dismissed finding keeps its text and answers.
"""

from __future__ import annotations

from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    ContestKind,
    ContestOutcome,
    Finding,
    FindingState,
    Issue,
    IssueContest,
    IssueState,
    Unit,
    User,
)
from app.services import calendar
from app.services.calendar import china_today
from app.services.errors import ServiceError
from app.services.issues.lifecycle import (
    CONTESTABLE,
    LEADER_STEPS,
    contest_rejected_this_round,
    keep_evidence,
    move,
    process_evidence,
    unit_only,
)
from app.services.issues.review import RECTIFICATION_DAYS
from app.services.storage import Storage


def _active_unit(unit_id: int | None, field: str) -> Unit:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.active:
        raise ServiceError(_l("Choose an active unit."), field=field)
    return unit


def _refuse_contest(issue: Issue) -> None:
    """Say why the issue cannot be contested now, if it cannot."""
    if issue.state is IssueState.CONTESTED:
        raise ServiceError(_l("This issue is already contested; the inspection leaders are deciding."))
    if issue.state not in CONTESTABLE:
        raise ServiceError(_l("An issue can be contested only before work on it has started."))
    if contest_rejected_this_round(issue):
        raise ServiceError(_l("A contest of this issue was already rejected; rectify it or explain."))


def contest(issue: Issue, user: User, kind: ContestKind, reason: str, proposed_unit_id: int | None,
            files: list[tuple[str, BinaryIO]], storage: Storage, today: date | None = None) -> IssueContest:
    """A responsible unit contests the issue before starting work; the deadline pauses.

    "Not our duty" names the active unit the contesting unit believes responsible. Evidence
    photos go through the same pipeline, with the same limits, as a report's.
    """
    unit_only(issue, user)
    _refuse_contest(issue)
    if not reason.strip():
        raise ServiceError(_l("Give the reason for the contest."), field="reason")
    proposed = None
    if kind is ContestKind.NOT_OUR_DUTY:
        proposed = _active_unit(proposed_unit_id, "proposed_unit_id")
        if proposed.id == user.unit_id:
            raise ServiceError(_l("Name another unit than your own."), field="proposed_unit_id")
    processed = process_evidence(files)
    today = today or china_today()
    row = IssueContest(issue=issue, kind=kind, unit_id=user.unit_id, proposed_unit=proposed,
                       reason=reason.strip()[:2000], contested_by_id=user.id, contested_on=today,
                       state_before=issue.state, deadline_before=issue.deadline,
                       days_left=calendar.working_days_between(today, issue.deadline))
    db.session.add(row)
    event = move(issue, IssueState.CONTESTED, user, "contested", row.reason)
    keep_evidence(event, processed, storage)
    return row


def _pending(issue: Issue) -> IssueContest:
    found = issue.open_contest
    if found is None or not LEADER_STEPS["decide_contest"](issue):
        raise ServiceError(_l("This issue is not contested."))
    return found


def _decided(row: IssueContest, leader: User, outcome: ContestOutcome, note: str, today: date) -> None:
    row.outcome, row.decided_by_id, row.decided_on = outcome, leader.id, today
    row.decision_note = note.strip()[:2000]


def default_deadline(issue: Issue, today: date) -> date:
    """A transferred issue's fresh deadline unless the leader picks one: as a new issue of its
    severity gets it (review.RECTIFICATION_DAYS working days from today)."""
    return calendar.add_working_days(today, RECTIFICATION_DAYS[issue.severity])


def resumed_deadline(row: IssueContest, today: date) -> date:
    """The deadline when the unit stays responsible: today plus the working days that were left.

    An issue already overdue when contested keeps its deadline (a contest forgives no delay).
    """
    if row.days_left < 0:
        return row.deadline_before
    return calendar.add_working_days(today, row.days_left)


def transfer(issue: Issue, leader: User, unit_id: int | None, deadline: date | None, note: str = "",
             today: date | None = None) -> None:
    """Uphold a contest by handing the issue to another unit with a fresh deadline (转办)."""
    row = _pending(issue)
    today = today or china_today()
    target = _active_unit(unit_id or row.proposed_unit_id, "unit_id")
    if target.id == issue.lead_unit_id:
        raise ServiceError(_l("Choose another unit than the one now responsible."), field="unit_id")
    deadline = deadline or default_deadline(issue, today)
    if deadline < today:
        raise ServiceError(_l("The deadline cannot be in the past."), field="deadline")
    previous = issue.lead_unit.name
    _decided(row, leader, ContestOutcome.TRANSFERRED, note, today)
    row.new_unit = target
    # The contesting unit leaves the issue, whether it led or supported.
    issue.supporting_units = [u for u in issue.supporting_units if u.id not in (target.id, row.unit_id)]
    issue.lead_unit, issue.deadline = target, deadline
    issue.extension_days_requested = None
    move(issue, IssueState.ASSIGNED, leader, "contest_transferred", note,
         params={"old": previous, "new": target.name})


def _round_findings(issue: Issue) -> list[Finding]:
    """The findings counted against the issue since it was last closed (all, if never closed)."""
    closings = [e.at for e in issue.events if e.to_state == IssueState.CLOSED.value]
    stmt = sa.select(Finding).where(Finding.issue_id == issue.id, Finding.state == FindingState.CONFIRMED)
    if closings:
        stmt = stmt.where(Finding.created_at > max(closings))
    return list(db.session.scalars(stmt))


def dismiss_finding(issue: Issue, leader: User, reason: str, today: date | None = None) -> None:
    """Uphold a contest by dismissing the finding: the issue closes as dismissed (撤销).

    The findings of this round are marked dismissed; their text and the visit's answers stay.
    """
    if not reason.strip():
        raise ServiceError(_l("Write why the finding is dismissed."), field="note")
    row = _pending(issue)
    today = today or china_today()
    _decided(row, leader, ContestOutcome.DISMISSED, reason, today)
    for finding in _round_findings(issue):
        finding.state = FindingState.DISMISSED
    issue.closed_on = today
    issue.revisit_assignment_id = None
    issue.extension_days_requested = None
    move(issue, IssueState.CLOSED, leader, "contest_dismissed", reason)


def reject(issue: Issue, leader: User, reason: str, today: date | None = None) -> None:
    """Reject the contest: the issue returns to where it was and its deadline resumes."""
    if not reason.strip():
        raise ServiceError(_l("Write why the contest is rejected."), field="note")
    row = _pending(issue)
    today = today or china_today()
    _decided(row, leader, ContestOutcome.REJECTED, reason, today)
    issue.deadline = resumed_deadline(row, today)
    move(issue, row.state_before, leader, "contest_rejected", reason)
