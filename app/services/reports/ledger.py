"""整改台账: the rectification ledger of a list of issues, as an .xlsx a county office opens in
WPS or Excel. Columns after ../shared/domain/practice.md §3; dates to the day; never an
inspector (a unit may download its own rows)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl.styles import PatternFill
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.labels import CATEGORY_LABELS, SEVERITY_LABELS, STATE_LABELS, TYPE_LABELS
from app.models import Issue, IssueEvent, IssueState, Occurrence
from app.services.reports import xlsx

#: How each state is coloured in the ledger.
STATE_FILLS = {
    IssueState.CLOSED: PatternFill("solid", fgColor="D8F0DD"),
    IssueState.REOPENED: PatternFill("solid", fgColor="FAD7D4"),
    IssueState.ASSIGNED: PatternFill("solid", fgColor="FFF1D6"),
    IssueState.IN_PROGRESS: PatternFill("solid", fgColor="FFF1D6"),
    IssueState.REPORTED: PatternFill("solid", fgColor="DCEBFA"),
    IssueState.UNDER_REVIEW: PatternFill("solid", fgColor="DCEBFA"),
}
OVERDUE_FILL = PatternFill("solid", fgColor="F6B8B1")
#: Issues read from the database per round trip while writing.
BATCH = 1000
REVISIT_KINDS = ("closed_by_revisit", "revisit_failed", "revisit_inconclusive")


@dataclass(frozen=True)
class LedgerRow:
    number: int
    issue_id: int
    found_on: date
    place: str
    category: str
    description: str
    severity: str
    lead_unit: str
    supporting_units: str
    measures: str
    rectification_type: str
    deadline: date
    state: IssueState
    overdue: bool
    closed_on: date | None
    revisit: str
    occurrences: int
    escalation: str


def _latest(kind_filter: sa.ColumnElement[bool], column: Any) -> sa.ScalarSelect:
    """The latest event's ``column`` of an issue among the events ``kind_filter`` keeps."""
    return (sa.select(column).where(IssueEvent.issue_id == Issue.id, kind_filter)
            .order_by(IssueEvent.id.desc()).limit(1).scalar_subquery())


def rows(query: sa.Select, today: date) -> Iterator[LedgerRow]:
    """The ledger's rows for the issues ``query`` selects, in its order, read in batches."""
    measures = _latest(IssueEvent.kind.in_(("reported", "explained")), IssueEvent.note)
    revisit = _latest(IssueEvent.kind.in_(REVISIT_KINDS), IssueEvent.kind)
    count = (sa.select(sa.func.count()).where(Occurrence.issue_id == Issue.id).scalar_subquery())
    first_seen = (sa.select(sa.func.min(Occurrence.observed_on)).where(Occurrence.issue_id == Issue.id)
                  .scalar_subquery())
    stmt = (query.add_columns(measures, revisit, count, first_seen)
            .options(selectinload(Issue.supporting_units)).execution_options(yield_per=BATCH))
    revisit_labels = {"closed_by_revisit": _("fixed, closed out"), "revisit_failed": _("not fixed"),
                      "revisit_inconclusive": _("could not check")}
    escalations = {1: _("supervision (督办)"), 2: _("admonition talk (约谈)"), 3: _("circular (通报)")}
    for number, (issue, note, last_revisit, occurrences, seen) in enumerate(db.session.execute(stmt), start=1):
        place = issue.hall.name + (f" · {issue.window.number} {issue.window.name}" if issue.window else "")
        yield LedgerRow(
            number=number, issue_id=issue.id, found_on=seen or issue.opened_on, place=place,
            category=str(CATEGORY_LABELS[issue.category]), description=issue.title,
            severity=str(SEVERITY_LABELS[issue.severity]), lead_unit=issue.lead_unit.name,
            supporting_units="、".join(u.name for u in issue.supporting_units if u.id != issue.lead_unit_id),
            measures=note or "", rectification_type=str(TYPE_LABELS[issue.rectification_type]),
            deadline=issue.deadline, state=issue.state, overdue=issue.overdue(today), closed_on=issue.closed_on,
            revisit=revisit_labels.get(last_revisit or "", ""), occurrences=occurrences or 0,
            escalation=escalations.get(issue.escalation_level, ""))


def columns() -> list[tuple[str, int]]:
    return [(_("Serial no."), 6), (_("Issue no."), 9), (_("Found on"), 12), (_("Hall / window"), 30),
            (_("Category"), 12), (_("Description of the problem"), 40), (_("Severity"), 9),
            (_("Responsible unit"), 20), (_("Supporting units"), 20), (_("Measures taken"), 40),
            (_("Rectification type"), 11), (_("Deadline"), 12), (_("Rectification state"), 12),
            (_("Closed out on"), 12), (_("Re-visit"), 14), (_("Times found"), 9), (_("Escalation"), 14)]


def workbook(query: sa.Select, today: date, heading: str) -> bytes:
    """The ledger of ``query``'s issues as .xlsx bytes (write-only: memory does not grow with rows)."""
    book = xlsx.new_book()
    sheet = xlsx.Sheet(book, _("Ledger"), heading, columns())
    wrap = (False, False, False, True, False, True, False, True, True, True)
    for row in rows(query, today):
        state = str(STATE_LABELS[row.state]) + (f"（{_('overdue')}）" if row.overdue else "")
        sheet.append([row.number, f"#{row.issue_id}", row.found_on, row.place, row.category, row.description,
                      row.severity, row.lead_unit, row.supporting_units, row.measures, row.rectification_type,
                      row.deadline, state, row.closed_on, row.revisit, row.occurrences, row.escalation],
                     wrap=wrap, fills={12: OVERDUE_FILL if row.overdue else STATE_FILLS[row.state]})
    sheet.finish()
    return xlsx.to_bytes(book)
