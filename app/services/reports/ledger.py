"""整改台账: the rectification ledger of a list of issues, as an .xlsx a county office opens in
WPS or Excel. Columns after ../shared/domain/practice.md §3; dates to the day; never an
inspector (a unit may download its own rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl.styles import PatternFill

from app.extensions import db
from app.labels import CATEGORY_LABELS, SEVERITY_LABELS, STATE_LABELS, TYPE_LABELS
from app.models import DEADLINE_STOPPED, Hall, Issue, IssueEvent, IssueState, Occurrence, Unit, Window
from app.models.issue import issue_supporting_units
from app.services.reports import xlsx

#: How each state is coloured in the ledger.
STATE_FILLS = {
    IssueState.REOPENED: PatternFill("solid", fgColor="FAD7D4"),
    IssueState.ASSIGNED: PatternFill("solid", fgColor="FFF1D6"),
    IssueState.IN_PROGRESS: PatternFill("solid", fgColor="FFF1D6"),
    IssueState.REPORTED: PatternFill("solid", fgColor="DCEBFA"),
    IssueState.UNDER_REVIEW: PatternFill("solid", fgColor="DCEBFA"),
    IssueState.CONTESTED: PatternFill("solid", fgColor="E8E4F4"),
}
OVERDUE_FILL = PatternFill("solid", fgColor="F6B8B1")
#: Text longer than this (characters; the long columns are about twice as wide) wraps.
WRAP_AFTER = 18
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


def _supporting(ids: sa.Subquery) -> dict[int, list[str]]:
    """Supporting units' names per issue of the ledger, in one query."""
    names: dict[int, list[str]] = {}
    link = issue_supporting_units
    for issue_id, name in db.session.execute(
            sa.select(link.c.issue_id, Unit.name).join(Unit, Unit.id == link.c.unit_id)
            .join(Issue, Issue.id == link.c.issue_id)
            .where(link.c.issue_id.in_(sa.select(ids.c.id)), link.c.unit_id != Issue.lead_unit_id)
            .order_by(link.c.issue_id, Unit.name)):
        names.setdefault(issue_id, []).append(name)
    return names


def rows(query: sa.Select, today: date) -> Iterator[LedgerRow]:
    """The ledger's rows for the issues ``query`` selects, in its order: plain columns and
    aggregates read in one streamed query (no objects), supporting units in one more."""
    measures = _latest(IssueEvent.kind.in_(("reported", "explained")), IssueEvent.note)
    revisit = _latest(IssueEvent.kind.in_(REVISIT_KINDS), IssueEvent.kind)
    count = sa.select(sa.func.count()).where(Occurrence.issue_id == Issue.id).scalar_subquery()
    first_seen = sa.select(sa.func.min(Occurrence.observed_on)).where(Occurrence.issue_id == Issue.id).scalar_subquery()
    lead = sa.select(Unit.name).where(Unit.id == Issue.lead_unit_id).scalar_subquery()
    hall = sa.select(Hall.name).where(Hall.id == Issue.hall_id).scalar_subquery()
    window = sa.select(Window.number + " " + Window.name).where(Window.id == Issue.window_id).scalar_subquery()
    stmt = query.with_only_columns(
        Issue.id, Issue.title, Issue.category, Issue.severity, Issue.state, Issue.rectification_type,
        Issue.deadline, Issue.closed_on, Issue.opened_on, Issue.escalation_level, hall, window, lead,
        measures, revisit, count, first_seen, maintain_column_froms=True).execution_options(yield_per=BATCH)
    supporting = _supporting(query.with_only_columns(Issue.id).order_by(None).subquery())
    revisit_labels = {"closed_by_revisit": _("fixed, closed out"), "revisit_failed": _("not fixed"),
                      "revisit_inconclusive": _("could not check")}
    escalations = {1: _("supervision (督办)"), 2: _("admonition talk (约谈)"), 3: _("circular (通报)")}
    # Translated once per export, not once per row.
    categories = {k: str(v) for k, v in CATEGORY_LABELS.items()}
    severities = {k: str(v) for k, v in SEVERITY_LABELS.items()}
    types = {k: str(v) for k, v in TYPE_LABELS.items()}
    for number, row in enumerate(db.session.execute(stmt), start=1):
        (issue_id, title, category, severity, state, kind, deadline, closed_on, opened_on, escalation, hall_name,
         window_name, lead_name, note, last_revisit, occurrences, seen) = row
        yield LedgerRow(
            number=number, issue_id=issue_id, found_on=seen or opened_on,
            place=hall_name + (f" · {window_name}" if window_name else ""), category=categories[category],
            description=title, severity=severities[severity], lead_unit=lead_name,
            supporting_units="、".join(supporting.get(issue_id, ())), measures=note or "",
            rectification_type=types[kind], deadline=deadline, state=state,
            overdue=state not in DEADLINE_STOPPED and today > deadline, closed_on=closed_on,
            revisit=revisit_labels.get(last_revisit or "", ""), occurrences=occurrences or 0,
            escalation=escalations.get(escalation, ""))


def columns() -> list[tuple[str, int]]:
    return [(_("Serial no."), 6), (_("Issue no."), 9), (_("Found on"), 12), (_("Hall / window"), 30),
            (_("Category"), 12), (_("Description of the problem"), 40), (_("Severity"), 9),
            (_("Responsible unit"), 20), (_("Supporting units"), 20), (_("Measures taken"), 40),
            (_("Rectification type"), 11), (_("Deadline"), 12), (_("Rectification state"), 12),
            (_("Closed out on"), 12), (_("Re-visit"), 14), (_("Times found"), 9), (_("Escalation"), 14)]


def count(query: sa.Select) -> int:
    """How many issues ``query`` selects (how long its ledger will take)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0


def workbook(query: sa.Select, today: date, heading: str,
             progress: Callable[[int, int], None] | None = None) -> bytes:
    """The ledger of ``query``'s issues as .xlsx bytes (write-only: memory does not grow with
    rows); ``progress(done, total)`` is told every BATCH rows."""
    total = count(query) if progress else 0
    book = xlsx.new_book()
    sheet = xlsx.Sheet(book, _("Ledger"), heading, columns())
    states = {k: str(v) for k, v in STATE_LABELS.items()}
    overdue = "（" + _("overdue") + "）"
    for row in rows(query, today):
        state = states[row.state] + (overdue if row.overdue else "")
        # Only what needs it is styled (styles cost per cell): long texts wrap, open issues are
        # coloured by state (red when overdue); a closed issue's row stays plain.
        wrap = (False,) * 5 + (len(row.description) > WRAP_AFTER,) + (False,) * 3 + (len(row.measures) > WRAP_AFTER,)
        fill = OVERDUE_FILL if row.overdue else None if row.state is IssueState.CLOSED else STATE_FILLS[row.state]
        sheet.append([row.number, f"#{row.issue_id}", row.found_on, row.place, row.category, row.description,
                      row.severity, row.lead_unit, row.supporting_units, row.measures, row.rectification_type,
                      row.deadline, state, row.closed_on, row.revisit, row.occurrences, row.escalation],
                     wrap=wrap, fills={12: fill} if fill else None)
        if progress and row.number % BATCH == 0:
            progress(row.number, total)
    sheet.finish()
    return xlsx.to_bytes(book)
