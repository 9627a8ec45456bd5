"""Visits and answers for analysts: one row per visit, one column per question (.csv, .xlsx).

Rows follow the archive's filters and order and are read in batches, so a file of 100,000
visits never sits in memory as objects. Text that a spreadsheet would run as a formula
(= + - @, tab, CR) is kept as text: quoted with ' in CSV, a text cell in .xlsx.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.labels import VISIT_STATE_LABELS
from app.models import MARKS, Finding, FindingState, Hall, ServiceItem, Unit, User, Visit, VisitAnswer, Window
from app.services import checklists, geo
from app.services.reports import xlsx
from app.services.visits import ArchiveFilter, archive_filtered

BATCH = 500
#: Distinct answers whose cells are kept, per question (free text rarely repeats: memory stays flat).
MEMO = 1000
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


class _Marks:
    """The position marks of a visit as words (as on its page: no position, outside the hall's
    radius, poor accuracy), from its columns and its hall's."""

    def __init__(self, escape: Callable[[str], str]) -> None:
        self.words = (_("no position recorded"), _("outside the hall's radius"), _("poor accuracy"))
        self.escape = escape
        self.memo: dict[tuple[bool, bool, bool], str] = {}

    def __call__(self, latitude: float | None, longitude: float | None, accuracy_m: float | None,
                 distance: float | None, hall_latitude: float | None, hall_longitude: float | None,
                 radius_m: float) -> str:
        if latitude is None or longitude is None:
            flags = (True, False, False)
        elif distance is None and hall_latitude is not None and hall_longitude is not None:
            marks = geo.position_marks(geo.Position(latitude, longitude), accuracy_m,
                                       geo.Position(hall_latitude, hall_longitude), radius_m)
            flags = (marks.no_position, marks.outside_radius, marks.poor_accuracy)
        else:  # the stored distance (or none: the hall's position is unknown), as geo.position_marks
            flags = (False, distance is not None and distance > radius_m,
                     accuracy_m is None or accuracy_m > geo.POOR_ACCURACY_M)
        text = self.memo.get(flags)
        if text is None:
            text = self.memo[flags] = self.escape(
                "、".join(word for flag, word in zip(flags, self.words, strict=True) if flag))
        return text


class _Cells:
    """The answers' cells of a batch of visits, a question's cells at their place in the row.

    Each question's cells are worked out once per distinct stored answer (its JSON text): labels
    are translated per call, and a county's answers repeat (yes, no, the same options)."""

    def __init__(self, questions: list[tuple[checklists.Question, list[str]]], escape: Callable[[str], str]) -> None:
        self.escape = escape
        #: Per question key: where its cells go, the question, and its cells per stored answer.
        self.places: dict[str, tuple[int, int, checklists.Question, dict[str | None, list[str]]]] = {}
        self.blank: list[str] = []  # the cells of a visit without answers
        for question, heads in questions:
            memo: dict[str | None, list[str]] = {}
            self.places[question.key] = (len(self.blank), len(self.blank) + len(heads), question, memo)
            self.blank += self.work_out(question, memo, None)

    def work_out(self, question: checklists.Question, memo: dict[str | None, list[str]], stored: str | None
                 ) -> list[str]:
        value = None if stored is None else json.loads(stored)
        cells = [self.escape(c) for c in question.kind.export(question, value)]
        if len(memo) < MEMO:
            memo[stored] = cells
        return cells

    def batch(self, connection: sa.Connection, visit_ids: list[int]) -> dict[int, list[str]]:
        """The cells of each visit of ``visit_ids`` that has answers, from one query (as stored)."""
        found: dict[int, list[str]] = {}
        # Some 20 answers a visit: read with the driver's cursor, as plain tuples, not a Row each
        # (the ids are our own integers, written into the statement).
        stmt = (sa.select(VisitAnswer.visit_id, VisitAnswer.question_key, sa.cast(VisitAnswer.value, sa.Text))
                .where(VisitAnswer.visit_id.in_(visit_ids)))
        cursor = connection.connection.cursor()
        try:
            cursor.execute(str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})))
            self._place(cast(Iterable[tuple[int, str, str | None]], cursor), found)  # DB-API cursors iterate
        finally:
            cursor.close()
        return found

    def _place(self, answers: Iterable[tuple[int, str, str | None]], found: dict[int, list[str]]) -> None:
        places, blank = self.places, self.blank
        for visit_id, key, stored in answers:
            place = places.get(key)
            if place is None:  # not a question of the template's columns
                continue
            start, end, question, memo = place
            cells = memo.get(stored)
            if cells is None:
                cells = self.work_out(question, memo, stored)
            row = found.get(visit_id)
            if row is None:
                row = found[visit_id] = blank.copy()
            row[start:end] = cells


def _moment(column: Any) -> Any:
    """A UTC time column read as the driver's datetime, without UTCDateTime's step per value
    (SQLite's are naive: ``_china`` marks them UTC as UTCDateTime would)."""
    return sa.type_coerce(column, sa.DateTime(timezone=True)).label(column.key)


def _visits(spec: ArchiveFilter) -> sa.Select:
    """The visit columns of the export, plain rows in the archive's filters and order."""
    findings = (sa.select(sa.func.count()).where(Finding.visit_id == Visit.id, Finding.state != FindingState.DISMISSED)
                .scalar_subquery())
    stmt = (sa.select(Visit.id, Visit.uuid, _moment(Visit.created_at), Visit.window_id, Hall.name, Window.number,
                      Window.name, Unit.name, ServiceItem.name, User.display_name, User.username, Visit.state,
                      *[_moment(getattr(Visit, f"{name}_at")) for name in MARKS], Visit.distance_m, Visit.latitude,
                      Visit.longitude, Visit.accuracy_m, Hall.latitude, Hall.longitude, Hall.radius_m, findings)
            .select_from(Visit).join(Window, Visit.window_id == Window.id).join(Hall, Window.hall_id == Hall.id)
            .join(Unit, Window.unit_id == Unit.id).join(User, Visit.inspector_id == User.id)
            .outerjoin(ServiceItem, Visit.service_item_id == ServiceItem.id))
    return archive_filtered(stmt, spec, window_joined=True)


def _china(moment: datetime) -> datetime:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(xlsx.CHINA)


def _clock(moment: datetime | None) -> str:
    """A mark's time in China, to the second ("" when not marked)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # as _china, inline: five a row
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(xlsx.CHINA).isoformat(" ", "seconds")[:19]


def _batches(spec: ArchiveFilter, template: checklists.Template, escape: Callable[[str], str]
             ) -> Iterator[list[list[Any]]]:
    """The rows of ``spec``'s visits, a batch at a time, in the archive's order: read with a
    streamed cursor as plain rows, each batch's answers in one query. ``escape`` is applied to
    every text that comes from users (the CSV keeps formula-leading text as text)."""
    cells = _Cells(_questions(template), escape)
    marks = _Marks(escape)
    states = {state: escape(str(label)) for state, label in VISIT_STATE_LABELS.items()}
    windows: dict[int, tuple[str, str, str]] = {}
    people: dict[tuple[str, str], str] = {}
    items: dict[str | None, str] = {None: ""}
    minutes = Visit._minutes
    connection = db.session.connection()
    result = connection.execution_options(stream_results=True, yield_per=BATCH).execute(_visits(spec))
    for batch in result.partitions():
        answers = cells.batch(connection, [row[0] for row in batch])
        blank = cells.blank
        out = []
        for (visit_id, uuid, created_at, window_id, hall, number, window, unit, item, display_name, username, state,
             arrived, ticket, called, served, finished, distance, latitude, longitude, accuracy, hall_latitude,
             hall_longitude, radius, found) in batch:
            names = windows.get(window_id)
            if names is None:
                names = windows[window_id] = (escape(hall), escape(f"{number} {window}"), escape(unit))
            inspector = people.get((display_name, username))
            if inspector is None:
                inspector = people[display_name, username] = escape(display_name or username)
            matter = items.get(item)
            if matter is None:
                matter = items[item] = escape(item)
            out.append([escape(uuid), _china(created_at).isoformat(" ", "minutes")[:16], *names,
                        matter, inspector, states[state], _clock(arrived), _clock(ticket), _clock(called),
                        _clock(served), _clock(finished), minutes(ticket, called), minutes(served, finished),
                        None if distance is None else round(distance),
                        marks(latitude, longitude, accuracy, distance, hall_latitude, hall_longitude, radius), found,
                        *answers.get(visit_id, blank)])
        yield out


def _as_text(value: str) -> str:
    """Formula-leading text kept as text in CSV: quoted with '."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _as_is(value: str) -> str:
    return value


def rows(spec: ArchiveFilter, template: checklists.Template) -> Iterator[list[Any]]:
    """One row per visit of ``spec``, in the archive's order, read in batches (text as stored)."""
    for batch in _batches(spec, template, _as_is):
        yield from batch


def csv_chunks(spec: ArchiveFilter, template: checklists.Template,
               progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The CSV text in chunks of a batch (UTF-8 with a BOM, so that Excel and WPS read the
    Chinese); ``progress(rows so far)`` is told after each batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(template))
    yield "\ufeff" + buffer.getvalue()
    done = 0
    for batch in _batches(spec, template, _as_text):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()
        done += len(batch)
        if progress:
            progress(done)


def workbook(spec: ArchiveFilter, template: checklists.Template, heading: str,
             progress: Callable[[int], None] | None = None) -> bytes:
    book = xlsx.new_book()
    names = header(template)
    sheet = xlsx.Sheet(book, _("Visits"), heading, [(n, 14) for n in names])
    for done, row in enumerate(rows(spec, template), start=1):
        sheet.append(row)
        if progress and done % BATCH == 0:
            progress(done)
    sheet.finish()
    return xlsx.to_bytes(book)
