"""Visits and answers for analysts (.csv and .xlsx): one row per visit of the archive's filters,
one column per question with its label, formula-leading text kept as text in both formats."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import load_workbook

from app.extensions import db
from app.labels import VISIT_STATE_LABELS
from app.models import MARKS, Finding, FindingState, Visit
from app.services import checklists, geo, visits
from app.services.reports import visits_export
from app.services.reports.xlsx import CHINA, FORMULA_START
from tests.factories import approved, make_visit, submitted
from tests.test_visit_views import client_for


def made(seeded) -> None:
    with seeded.app_context():
        make_visit(inspector="inspector2", window="02", item="realestate-transfer")
        submitted({"rude_language": True, "rude_quote": "=HYPERLINK(\"http://x\",\"点我\")"})
        approved({"attitude_score": 1})
        db.session.commit()


def test_the_csv_has_a_row_per_visit_a_column_per_question_and_no_live_formula(seeded) -> None:
    made(seeded)
    leader = client_for(seeded, "leader")
    response = leader.get("/archive/visits.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel and WPS read it as UTF-8
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = table[0], table[1:]
    assert len(body) == 3 and header[:3] == ["暗访记录", "开始时间", "服务场所"]
    assert "原话记录" in header and sum(h.startswith("观察到的行为（可多选）：") for h in header) >= 5  # one column per option
    assert any(cell == "'=HYPERLINK(\"http://x\",\"点我\")" for row in body for cell in row)
    state = header.index("状态")
    assert sorted(row[state] for row in body) == sorted(["草稿", "等待审核", "已通过"])
    filtered = leader.get("/archive/visits.csv?state=approved").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(filtered.lstrip("\ufeff"))))) == 2


def test_the_xlsx_keeps_formula_text_as_text_and_is_for_leaders_only(seeded) -> None:
    made(seeded)
    leader = client_for(seeded, "leader")
    sheet = load_workbook(io.BytesIO(leader.get("/archive/visits.xlsx?findings=1").get_data())).active
    body = list(sheet.iter_rows(min_row=3))
    assert len(body) == 2  # the draft has no findings
    quote = next(c for row in body for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert quote.data_type == "s"
    for name in ("unit-market", "inspector1"):
        assert client_for(seeded, name).get("/archive/visits.csv").status_code == 403


def reference_rows(template, spec: visits.ArchiveFilter) -> list[list[str]]:
    """The rows as the export worked them out before it read plain rows: from each Visit object
    of the archive, as the CSV writes them (formula-leading text quoted, None empty)."""
    questions = [q for q, _heads in visits_export._questions(template)]
    words = (_("no position recorded"), _("outside the hall's radius"), _("poor accuracy"))
    states = {k: str(v) for k, v in VISIT_STATE_LABELS.items()}
    out = []
    for visit in db.session.scalars(visits.archive_query(spec)):
        window, hall = visit.window, visit.window.hall
        marks = geo.position_marks(
            geo.Position(visit.latitude, visit.longitude) if visit.latitude is not None else None, visit.accuracy_m,
            geo.Position(hall.latitude, hall.longitude) if hall.latitude is not None else None, hall.radius_m,
            visit.distance_m)
        flags = (marks.no_position, marks.outside_radius, marks.poor_accuracy)
        found = sum(f.state != FindingState.DISMISSED for f in db.session.scalars(
            sa.select(Finding).where(Finding.visit_id == visit.id)))
        answers = visit.answers_dict()
        times = [visit.mark(name) for name in MARKS]
        row = [visit.uuid, visit.created_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"), hall.name,
               f"{window.number} {window.name}", window.unit.name,
               visit.service_item.name if visit.service_item else "",
               visit.inspector.display_name or visit.inspector.username, states[visit.state],
               *[t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if t else "" for t in times],
               visit.wait_minutes, visit.service_minutes,
               round(visit.distance_m) if visit.distance_m is not None else None,
               "、".join(w for flag, w in zip(flags, words, strict=True) if flag), found,
               *[c for q in questions for c in q.kind.export(q, answers.get(q.key))]]
        out.append(["" if v is None else "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else str(v)
                    for v in row])
    return out


def csv_body(monkeypatch, batch: int, spec: visits.ArchiveFilter | None = None) -> list[list[str]]:
    monkeypatch.setattr(visits_export, "BATCH", batch)
    text = "".join(visits_export.csv_chunks(spec or visits.ArchiveFilter(), checklists.registry().current()))
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]


def test_the_csv_rows_are_the_visits_as_their_objects_tell_them_in_any_batch_size(seeded, monkeypatch) -> None:
    made(seeded)
    with seeded.test_request_context():
        first, second, third = db.session.scalars(sa.select(Visit).order_by(Visit.id)).all()
        # Positions: judged from the stored distance, worked out from the hall's, and none.
        first.latitude, first.longitude, first.accuracy_m, first.distance_m = 25.1, 115.4, 350.0, 12_345.6
        second.latitude, second.longitude, second.accuracy_m = 25.13, 115.41, 20.0
        second.window.hall.latitude, second.window.hall.longitude = 25.131, 115.411
        second.inspector.display_name = "+暗访员"  # text from users that a spreadsheet would run
        second.window.number = "=01"
        first.ticket_at, first.called_at = datetime(2026, 3, 1, 23, 58, 59, 900, UTC), datetime(2026, 3, 2, 0, 10, tzinfo=UTC)
        first.served_at, first.finished_at = first.called_at, datetime(2026, 3, 2, 0, 3, tzinfo=UTC)  # before: no time
        second.service_item = None
        db.session.flush()
        expected = reference_rows(checklists.registry().current(), visits.ArchiveFilter())
        assert len(expected) == 3 and any(row[5] == "" for row in expected)
        assert {row[16] for row in expected} == {"", "未记录位置", "超出大厅范围、定位精度差"}
        assert {row[6] for row in expected} == {"'+暗访员", "暗访员二"} and "'=01 企业登记窗口" in {r[3] for r in expected}
        assert [row[9:15] for row in expected if row[9]] == [
            ["2026-03-02 07:58:59", "2026-03-02 08:10:00", "2026-03-02 08:10:00", "2026-03-02 08:03:00", "11", ""]]
        for batch in (500, 3, 2, 1):  # 3: a last batch just full is written once
            assert csv_body(monkeypatch, batch) == expected
        for spec in (visits.ArchiveFilter(hall_id=first.window.hall_id, unit_id=first.window.unit_id),
                     visits.ArchiveFilter(unit_id=third.window.unit_id, has_findings=True)):
            assert csv_body(monkeypatch, 500, spec) == reference_rows(checklists.registry().current(), spec)
            assert 0 < len(reference_rows(checklists.registry().current(), spec)) < 3


def test_position_marks_in_the_export_are_the_visit_pages(app) -> None:
    with app.test_request_context():
        marks = visits_export._Marks(visits_export._as_is)
        words = (_("no position recorded"), _("outside the hall's radius"), _("poor accuracy"))
        hall = (25.131, 115.411, 300)
        for latitude, longitude, accuracy, distance, hall_latitude, hall_longitude, radius in [
                (None, None, None, None, *hall), (25.1, None, 10.0, None, *hall), (25.13, 115.41, 20.0, None, *hall),
                (25.2, 115.5, 20.0, None, *hall), (25.13, 115.41, 250.0, 5.0, *hall), (25.13, 115.41, None, 400.0, *hall),
                (25.13, 115.41, 20.0, None, None, None, 300), (25.13, 115.41, 20.0, 301.0, None, None, 300),
                (25.13, 115.41, 200.0, 300.0, *hall)]:
            position = geo.Position(latitude, longitude) if latitude is not None and longitude is not None else None
            hall_at = geo.Position(hall_latitude, hall_longitude) if hall_latitude is not None else None
            expected = geo.position_marks(position, accuracy, hall_at, radius, distance)
            flags = (expected.no_position, expected.outside_radius, expected.poor_accuracy)
            assert marks(latitude, longitude, accuracy, distance, hall_latitude, hall_longitude, radius) == "、".join(
                w for flag, w in zip(flags, words, strict=True) if flag)
