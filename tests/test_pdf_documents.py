"""整改通知 and 通报 as PDF: read back with poppler (pdftotext, pdffonts, pdfinfo) — a unit's
notice holds its own issues only, a circular its campaign's cases; fonts embedded, Chinese in a
CJK font; metadata names the office, never an inspector; the same access rules as the .docx;
503 with a reason where WeasyPrint cannot load."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Assignment, User
from app.services import reports
from app.services.reports import pdf
from tests.conftest import require
from tests.factories import approved, submitted
from tests.test_official_documents import CLOCK, approved_visit, inspector_names
from tests.test_visit_views import client_for


@pytest.fixture
def can_render() -> None:
    require(reports.pdf_available(), "WeasyPrint and pango are needed to render PDFs")
    require(all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdfinfo")), "poppler-utils reads PDFs")


def poppler(tool: str, content: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], check=True,
                          capture_output=True, text=True).stdout


def read(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf" and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(".pdf")
    return response.get_data()


def test_a_units_notice_pdf_holds_its_own_issues_with_embedded_cjk_fonts(seeded, can_render, tmp_path) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1})
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        db.session.commit()
        names = inspector_names()
    content = read(client_for(seeded, "unit-market").get("/issues/notice.pdf"))
    text = poppler("pdftotext", content, tmp_path)
    for part in (reports.office.DEFAULTS.office_name, "关于暗访发现问题整改的通知", "县市场监督管理局：",
                 "一、发现的问题", "二、整改要求", "县市场监督管理局整改台账", "整改时限"):
        assert part in text.replace("\n", ""), part
    assert "县不动产登记中心" not in text and not CLOCK.search(text)
    fonts = poppler("pdffonts", content, tmp_path).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # emb
    assert any("Noto" in line and "CJK" in line for line in fonts)
    info = poppler("pdfinfo", content, tmp_path)
    assert "Title:           关于暗访发现问题整改的通知" in info
    assert f"Author:          {reports.office.DEFAULTS.office_name}" in info
    assert not any(n in info or n.encode() in content for n in names) and "inspector" not in info
    pages = [line for line in info.splitlines() if line.startswith("Page size")]
    assert pages == [] or "595.276 x 841.89" in pages[0]


def test_who_may_download_a_notice_pdf(seeded, can_render) -> None:
    with seeded.app_context():
        unit_id = db.session.scalar(sa.select(User.unit_id).where(User.username == "unit-water"))
    leader = client_for(seeded, "leader")
    read(leader.get(f"/issues/all/notice/{unit_id}.pdf"))
    assert client_for(seeded, "unit-market").get(f"/issues/all/notice/{unit_id}.pdf").status_code == 403
    assert client_for(seeded, "inspector1").get("/issues/notice.pdf").status_code == 403
    assert leader.get("/issues/notice.pdf").status_code == 403
    assert leader.get("/issues/all/notice/99999.pdf").status_code == 404


def test_a_circular_pdf_holds_its_campaigns_cases(seeded, can_render, tmp_path) -> None:
    from tests.test_campaign_views import started_campaign

    leader = client_for(seeded, "leader")
    cid = started_campaign(seeded, leader)
    assert leader.get(f"/campaigns/{cid}/circular.pdf").status_code == 404  # not closed yet
    with seeded.app_context():
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")  # not the campaign's
        visit = submitted({"attitude_score": 1})
        visit.assignment_id = db.session.scalar(sa.select(Assignment.id).where(Assignment.campaign_id == cid))
        db.session.flush()
        assert approved_visit(visit)
        names = inspector_names()
    leader.post(f"/campaigns/{cid}/close")
    content = read(leader.get(f"/campaigns/{cid}/circular.pdf"))
    text = poppler("pdftotext", content, tmp_path).replace("\n", "")
    assert "一、发现的主要问题" in text and "三、工作要求" in text and "县市场监督管理局" in text
    assert "县不动产登记中心" not in text and not any(n in text for n in names) and not CLOCK.search(text)
    for role in ("unit-market", "inspector1"):
        assert client_for(seeded, role).get(f"/campaigns/{cid}/circular.pdf").status_code == 403


def test_without_weasyprint_the_pdf_routes_answer_503_and_the_buttons_say_why(seeded, monkeypatch) -> None:
    monkeypatch.setattr(pdf, "available", lambda: False)
    monkeypatch.setattr(reports, "pdf_available", lambda: False)
    monkeypatch.setattr("app.hooks.pdf_available", lambda: False)
    unit = client_for(seeded, "unit-market")
    response = unit.get("/issues/notice.pdf")
    assert response.status_code == 503 and "WeasyPrint" in response.get_data(as_text=True)
    page = unit.get("/issues/").get_data(as_text=True)
    assert "/issues/notice.pdf" not in page and "WeasyPrint" in page


def test_loading_weasyprint_leaves_pillow_refusing_truncated_images() -> None:
    from PIL import ImageFile

    reports.pdf_available()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
