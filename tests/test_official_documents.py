"""整改通知 and 通报 (.docx, 公文 layout): read back with python-docx — content and order, a unit's
notice holds its own issues only, no inspector and no clock time anywhere, fonts and page."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn

from app.extensions import db
from app.models import Assignment, Campaign, Issue, User
from app.services import reports
from app.services.calendar import china_today
from tests.factories import approved, submitted, user
from tests.test_visit_views import client_for

CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}")


def read(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in response.headers["Content-Disposition"]
    return Document(io.BytesIO(response.get_data()))


def text_of(doc) -> str:
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def inspector_names() -> set[str]:
    people = db.session.scalars(sa.select(User).where(User.username.like("inspector%")))
    return {n for u in people for n in (u.username, u.display_name) if n}


def test_a_units_notice_holds_its_own_issues_in_gongwen_layout(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1})
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        db.session.commit()
        names = inspector_names()
    unit = client_for(seeded, "unit-market")
    doc = read(unit.get("/issues/notice.docx"))
    paragraphs = [p.text for p in doc.paragraphs if p.text]
    assert paragraphs[0] == reports.office.DEFAULTS.office_name
    assert paragraphs[1] == f"安如我办改〔{china_today().year}〕\u3000\u3000号"  # no number recorded yet
    assert paragraphs[2] == "关于暗访发现问题整改的通知" and paragraphs[3] == "县市场监督管理局："
    order = [next(i for i, p in enumerate(paragraphs) if p.startswith(h)) for h in (
        "一、发现的问题", "（一）", "二、整改要求", "附件：")]
    annex = paragraphs.index("附件")
    assert order == sorted(order) and paragraphs[annex - 2] == reports.office.DEFAULTS.signatory
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", paragraphs[annex - 1])
    assert paragraphs[-1] == "县市场监督管理局整改台账"
    text = text_of(doc)
    assert "县市场监督管理局" in text and "县不动产登记中心" not in text and "整改时限" in text
    assert not any(n in text for n in names) and "inspector" not in text
    assert not CLOCK.search(text)
    props = doc.core_properties
    assert props.author == props.last_modified_by == reports.office.DEFAULTS.office_name
    assert not any(n in (props.author + props.last_modified_by + props.title) for n in names)
    body = next(p for p in doc.paragraphs if p.text.startswith("（一）"))
    fonts = [r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in body.runs]
    assert fonts[0] == "楷体_GB2312" and fonts[1] == "仿宋_GB2312" and body.runs[1].font.size.pt == 16
    assert doc.paragraphs[2].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    page = doc.sections[0]
    assert [round(v.mm) for v in (page.page_width, page.page_height, page.top_margin, page.bottom_margin,
                                  page.left_margin, page.right_margin)] == [210, 297, 37, 35, 28, 26]
    assert len(doc.tables) == 1 and len(doc.tables[0].rows) == 2  # header and the unit's one issue


def test_who_may_download_a_notice(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        db.session.commit()
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "unit-water"))
    leader = client_for(seeded, "leader")
    assert "主送" not in text_of(read(leader.get(f"/issues/all/notice/{unit_id}.docx")))
    assert client_for(seeded, "unit-market").get(f"/issues/all/notice/{unit_id}.docx").status_code == 403
    assert client_for(seeded, "inspector1").get("/issues/notice.docx").status_code == 403
    assert client_for(seeded, "inspector1").get(f"/issues/all/notice/{unit_id}.docx").status_code == 403
    assert leader.get("/issues/notice.docx").status_code == 403
    assert leader.get("/issues/all/notice/99999.docx").status_code == 404


def test_the_office_settings_head_the_documents(seeded) -> None:
    admin = client_for(seeded, "admin")
    assert admin.get("/admin/office").status_code == 200
    response = admin.post("/admin/office", data={"office_name": "某县暗访办", "number_prefix": "某暗办",
                                                 "signatory": "某县暗访办（章）", "addressee": ""})
    assert response.status_code == 302
    doc = read(client_for(seeded, "unit-market").get("/issues/notice.docx"))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[0] == "某县暗访办" and texts[1].startswith("某暗办改〔") and "某县暗访办（章）" in texts
    assert doc.core_properties.author == "某县暗访办"
    assert client_for(seeded, "leader").get("/admin/office").status_code == 403


def test_a_circular_holds_its_campaigns_cases_only(seeded) -> None:
    from tests.test_campaign_views import started_campaign

    leader = client_for(seeded, "leader")
    cid = started_campaign(seeded, leader)
    assert leader.get(f"/campaigns/{cid}/circular.docx").status_code == 404  # not closed yet
    with seeded.app_context():
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")  # not the campaign's
        visit = submitted({"attitude_score": 1})
        visit.assignment_id = db.session.scalar(sa.select(Assignment.id).where(Assignment.campaign_id == cid))
        db.session.flush()
        found = approved_visit(visit)
        names = inspector_names()
        name = db.session.get(Campaign, cid).name
    leader.post(f"/campaigns/{cid}/close")
    doc = read(leader.get(f"/campaigns/{cid}/circular.docx"))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[2] == f"关于{name.removesuffix('暗访')}暗访情况的通报"  # "…12月暗访情况", not "暗访暗访"
    assert texts[3] == f"{reports.office.DEFAULTS.addressee}："
    assert texts[1] == f"安如我办〔{china_today().year}〕\u3000\u3000号"  # the register gives the serial
    cases = [t for t in texts if t.startswith("（") and "问题：" in t]
    assert len(cases) == found and all("县市场监督管理局" in c for c in cases)
    text = text_of(doc)
    assert "县不动产登记中心" not in text and not any(n in text for n in names) and not CLOCK.search(text)
    assert len(doc.tables[0].rows) == found + 1
    for role in ("unit-market", "inspector1"):
        assert client_for(seeded, role).get(f"/campaigns/{cid}/circular.docx").status_code == 403


def approved_visit(visit) -> int:
    from app.services import issues

    made = issues.approve(visit, user("leader"))
    db.session.commit()
    return len(made)


def test_a_notice_and_a_circular_read_as_many_statements_for_many_issues_as_for_one(seeded) -> None:
    """What each issue's case shows (its occurrences and findings, units, timeline, the visits'
    photos) is read for all the issues at once, not issue by issue."""
    seen: list[str] = []
    with seeded.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *a: seen.append(statement))
    unit, leader = client_for(seeded, "unit-market"), client_for(seeded, "leader")
    documents = ((unit, "/issues/notice.docx"), (leader, "/issues/all/circular.docx?from=2026-11-01&to=2026-11-30"))

    def statements() -> list[int]:
        counted = []
        for client, url in documents:
            client.get(url)  # the document number's row exists from the first download on
            seen.clear()
            read(client.get(url))
            counted.append(len(seen))
        return counted

    with seeded.app_context():
        approved({"attitude_score": 1})
        db.session.commit()
    few = statements()
    with seeded.app_context():
        approved({"attitude_score": 1, "rude_language": True}, wait=52, extra=["营业执照复印件"])
        approved({"one_time_notice": "none"}, wait=40)
        approved({"attitude_score": 2, "one_time_notice": "oral"}, wait=20, extra=["村委会证明"])
        approved({"stated_days": 2, "trips_required": 3}, wait=52)
        db.session.commit()
        open_issues = db.session.scalar(sa.select(sa.func.count()).select_from(Issue))
    assert open_issues >= 3
    assert statements() == few
