"""Visits and answers for analysts (.csv and .xlsx): one row per visit of the archive's filters,
one column per question with its label, formula-leading text kept as text in both formats."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from app.extensions import db
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
