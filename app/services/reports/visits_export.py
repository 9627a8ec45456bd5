"""Visits and answers for analysts: one row per visit, one column per question (.csv, .xlsx).

Rows follow the archive's filters and order and are read in batches, so a file of 100,000
visits never sits in memory as objects. Text that a spreadsheet would run as a formula
(= + - @, tab, CR) is kept as text: quoted with ' in CSV, a text cell in .xlsx.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.labels import VISIT_STATE_LABELS
from app.models import MARKS, Finding, FindingState, Visit, VisitAnswer, Window
from app.services import checklists, geo
from app.services.reports import xlsx
from app.services.visits import ArchiveFilter, archive_query

BATCH = 500
FORMULA_START = xlsx.FORMULA_START


def _questions(template: checklists.Template) -> list[tuple[checklists.Question, list[str]]]:
    """Each answered question with the headers of its columns (labels in the user's language)."""
    out = []
    for question in template.questions():
        keys = question.kind.columns(question)
        if not keys:
            continue
        if len(keys) == 1:
            out.append((question, [question.label.get()]))
        else:  # one column per option
            labels = {o.value: o.label.get() for o in question.options or []}
            out.append((question, [f"{question.label.get()}：{labels.get(k.split('.', 1)[1], k)}" for k in keys]))
    return out


def header(template: checklists.Template) -> list[str]:
    marks = [_("Arrived"), _("Ticket taken"), _("Called"), _("Served"), _("Finished")]
    return [_("Visit"), _("Began"), _("Hall"), _("Window"), _("Unit"), _("Service item"), _("Inspector"), _("State"),
            *marks, _("Wait (min)"), _("Service (min)"), _("Distance from the hall (m)"), _("Position marks"),
            _("Findings"), *[h for _q, heads in _questions(template) for h in heads]]


def _marks(visit: Visit, words: tuple[str, str, str]) -> str:
    hall = visit.window.hall
    marks = geo.position_marks(
        geo.Position(visit.latitude, visit.longitude) if visit.latitude is not None and visit.longitude is not None
        else None, visit.accuracy_m,
        geo.Position(hall.latitude, hall.longitude) if hall.latitude is not None and hall.longitude is not None
        else None, hall.radius_m, visit.distance_m)
    flags = (marks.no_position, marks.outside_radius, marks.poor_accuracy)
    return "、".join(word for flag, word in zip(flags, words, strict=True) if flag)


class _Cells:
    """A question's cells for an answer, worked out once per distinct answer (labels are
    translated per call, and a county's answers repeat: yes, no, the same options)."""

    def __init__(self, questions: list[tuple[checklists.Question, list[str]]]) -> None:
        self.questions = [q for q, _h in questions]
        self.memo: dict[tuple[str, str], list[str]] = {}

    def __call__(self, answers: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for question in self.questions:
            value = answers.get(question.key)
            key = (question.key, json.dumps(value, ensure_ascii=False, sort_keys=True))
            cells = self.memo.get(key)
            if cells is None:
                cells = self.memo[key] = question.kind.export(question, value)
            out.extend(cells)
        return out


def _answers(visit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The answers of one batch of visits, read as plain rows."""
    found: dict[int, dict[str, Any]] = {}
    for visit_id, key, value in db.session.execute(sa.select(VisitAnswer.visit_id, VisitAnswer.question_key,
                                                             VisitAnswer.value)
                                                   .where(VisitAnswer.visit_id.in_(visit_ids))):
        found.setdefault(visit_id, {})[key] = value
    return found


def rows(spec: ArchiveFilter, template: checklists.Template) -> Iterator[list[Any]]:
    """One row per visit of ``spec``, in the archive's order, read in batches."""
    cells = _Cells(_questions(template))
    states = {k: str(v) for k, v in VISIT_STATE_LABELS.items()}
    words = (_("no position recorded"), _("outside the hall's radius"), _("poor accuracy"))
    findings = (sa.select(sa.func.count()).where(Finding.visit_id == Visit.id, Finding.state != FindingState.DISMISSED)
                .scalar_subquery())
    stmt = (archive_query(spec).add_columns(findings)
            .options(selectinload(Visit.window).selectinload(Window.unit)).execution_options(yield_per=BATCH))
    for batch in db.session.execute(stmt).partitions():
        answers = _answers([visit.id for visit, _found in batch])
        for visit, found in batch:
            window = visit.window
            times = [visit.mark(name) for name in MARKS]
            yield [visit.uuid, visit.created_at, window.hall.name, f"{window.number} {window.name}",
                   window.unit.name, visit.service_item.name if visit.service_item else "",
                   visit.inspector.display_name or visit.inspector.username, states[visit.state],
                   *[t.astimezone(xlsx.CHINA).strftime("%Y-%m-%d %H:%M:%S") if t else "" for t in times],
                   visit.wait_minutes, visit.service_minutes,
                   round(visit.distance_m) if visit.distance_m is not None else None, _marks(visit, words), found,
                   *cells(answers.get(visit.id, {}))]


def _text(value: Any) -> Any:
    if hasattr(value, "astimezone"):
        return value.astimezone(xlsx.CHINA).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def csv_chunks(spec: ArchiveFilter, template: checklists.Template) -> Iterator[str]:
    """The CSV text in chunks (UTF-8 with a BOM, so that Excel and WPS read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(template))
    yield "\ufeff" + buffer.getvalue()
    for number, row in enumerate(rows(spec, template), start=1):
        if number % BATCH == 1:
            buffer.seek(0)
            buffer.truncate()
        writer.writerow([_text(v) for v in row])
        if number % BATCH == 0:
            yield buffer.getvalue()
    if buffer.tell():
        yield buffer.getvalue()


def workbook(spec: ArchiveFilter, template: checklists.Template, heading: str) -> bytes:
    book = xlsx.new_book()
    names = header(template)
    sheet = xlsx.Sheet(book, _("Visits"), heading, [(n, 14) for n in names])
    for row in rows(spec, template):
        sheet.append([_text(v) if hasattr(v, "astimezone") else v for v in row])
    sheet.finish()
    return xlsx.to_bytes(book)
