"""整改台账 (.xlsx): read back with openpyxl — columns, filters, text never a formula, dates as
dates, states coloured, properties and unit copies free of any inspector."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from app.extensions import db
from app.models import Issue, Unit, User
from app.services import issues
from tests.factories import approved, user
from tests.test_visit_views import client_for


def storage():
    from flask import current_app

    return current_app.extensions["ruwo_storage"]


def book(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.get_data()))


def test_the_leaders_ledger_honours_the_list_filters_and_reads_as_a_ledger(seeded) -> None:
    with seeded.app_context():
        attitude = approved({"attitude_score": 1}, extra=["房东户口本复印件"])
        realestate = approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        market_issue = next(i for i in attitude if i.category.value == "attitude")
        issues.report(market_issue, user("unit-market"), "=HYPERLINK(\"http://evil\")整改完毕", [], storage())
        db.session.commit()
        realestate_unit = db.session.scalar(sa.select(Unit.id).where(Unit.code == "realestate"))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Issue))
    leader = client_for(seeded, "leader")
    sheet = book(leader.get("/issues/all/ledger.xlsx")).active
    assert "整改台账" in sheet["A1"].value
    header = [c.value for c in sheet[2]]
    assert header[:6] == ["序号", "问题编号", "发现时间", "地点/窗口", "问题类别", "问题描述"]
    assert {"责任单位", "整改措施", "整改时限", "整改状态", "销号时间", "复查情况"} <= set(header)
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == f"A2:Q{total + 2}"
    body = list(sheet.iter_rows(min_row=3, values_only=False))
    assert len(body) == total and [r[0].value for r in body] == list(range(1, total + 1))
    measures = next(r[header.index("整改措施")] for r in body if r[header.index("整改措施")].value)
    assert measures.value.startswith("=HYPERLINK") and measures.data_type == "s"  # text, never a formula
    deadline = body[0][header.index("整改时限")]
    assert deadline.is_date and isinstance(deadline.value.date(), date)
    assert body[0][header.index("整改状态")].fill.fgColor.rgb.endswith(("FFF1D6", "F6B8B1"))
    filtered = book(leader.get(f"/issues/all/ledger.xlsx?unit={realestate_unit}")).active
    rows = list(filtered.iter_rows(min_row=3, values_only=True))
    assert len(rows) == len(realestate) and all(r[header.index("责任单位")] == "县不动产登记中心" for r in rows)


def test_a_unit_downloads_only_its_own_rows_and_nothing_names_an_inspector(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1})
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        db.session.commit()
        names = {u.display_name for u in db.session.scalars(sa.select(User).where(User.username.like("inspector%")))}
    unit = client_for(seeded, "unit-market")
    workbook = book(unit.get("/issues/ledger.xlsx"))
    values = [v for row in workbook.active.iter_rows(min_row=3, values_only=True) for v in row]
    assert values and "县不动产登记中心" not in values and "县市场监督管理局" in values
    text = " ".join(str(v) for v in values)
    assert not any(n in text for n in names) and "inspector" not in text
    assert workbook.properties.creator == "Ruwo" and workbook.properties.lastModifiedBy == "Ruwo"
    assert client_for(seeded, "leader").get("/issues/ledger.xlsx").status_code == 403
    assert unit.get("/issues/all/ledger.xlsx").status_code == 403


def test_a_campaigns_ledger_holds_its_own_issues_only(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1})  # not a campaign's
        db.session.commit()
    leader = client_for(seeded, "leader")
    from tests.test_campaign_views import started_campaign

    cid = started_campaign(seeded, leader)
    sheet = book(leader.get(f"/campaigns/{cid}/ledger.xlsx")).active
    assert "2026年12月暗访" in sheet["A1"].value and sheet.max_row == 2  # no campaign visit yet: no rows
