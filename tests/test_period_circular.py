"""通报 of a period: a leader picks the first and last day, and gets the issues found in between
across campaigns (.docx and PDF), the title worded by the period, the opening counting its
visits and issues, its ledger as 附件; bad or reversed days are explained, never a 500."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document

from app.extensions import db
from app.models import Visit
from app.services import issues, reports
from app.services.errors import ServiceError
from app.services.reports.circulars import Period, period_wording
from tests.factories import approved, user
from tests.test_official_documents import CLOCK, inspector_names, text_of
from tests.test_visit_views import client_for

URL = "/issues/all/circular"


@pytest.mark.parametrize(("start", "end", "wording"), [
    (date(2026, 11, 1), date(2026, 11, 30), "2026年11月"),
    (date(2026, 2, 1), date(2026, 2, 28), "2026年2月"),
    (date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度"),
    (date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度"),
    (date(2026, 1, 1), date(2026, 12, 31), "2026年"),
    (date(2026, 11, 3), date(2026, 11, 3), "2026年11月3日"),
    (date(2026, 11, 3), date(2026, 11, 20), "2026年11月3日至2026年11月20日"),
    (date(2026, 11, 1), date(2026, 12, 31), "2026年11月1日至2026年12月31日"),  # two months
    (date(2026, 2, 1), date(2026, 4, 30), "2026年2月1日至2026年4月30日"),  # three months, not a quarter
])
def test_the_title_words_a_month_a_quarter_a_year_or_the_days(start, end, wording) -> None:
    assert period_wording(Period(start, end)) == wording


@pytest.mark.parametrize(("start", "end", "field"), [
    ("", "2026-11-30", "from"), ("2026-11-01", None, "to"), ("2026-13-01", "2026-11-30", "from"),
    ("yesterday", "2026-11-30", "from"), ("2026-11-01", "20261130", "to"), ("2026-11-30", "2026-11-01", "to"),
    ("2025-01-01", "2026-11-30", "to"),
])
def test_a_period_refuses_missing_bad_reversed_or_too_long_days(app, start, end, field) -> None:
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        reports.period(start, end)
    assert refused.value.field == field and str(refused.value.message)


def in_november_and_october(app) -> tuple[int, int]:
    """Two issues found on 20 Nov 2026 (the factories' day) and one moved to 5 Oct 2026."""
    with app.app_context():
        november = approved({"attitude_score": 1})
        october = approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        for issue in october:
            for o in issue.occurrences:
                o.observed_on = date(2026, 10, 5)
                visit = db.session.get(Visit, o.finding.visit_id)
                visit.arrived_at = visit.arrived_at.replace(month=10, day=5)
        db.session.commit()
        return len(november), len(october)


def test_the_issue_list_filters_by_the_day_found(seeded) -> None:
    november, october = in_november_and_october(seeded)
    with seeded.app_context():
        today = issues.china_today()
        found = issues.search(issues.IssueFilter(found_from=date(2026, 11, 1), found_to=date(2026, 11, 30)), today)
        assert len(found) == november and all(o.observed_on.month == 11 for i in found for o in i.occurrences)
        assert len(issues.search(issues.IssueFilter(found_to=date(2026, 10, 31)), today)) == october
        ids = {i.id: i.occurrences[0].observed_on.month for i in issues.search(issues.IssueFilter(), today)}
    page = client_for(seeded, "leader").get("/issues/all?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    assert 'value="2026-10-01"' in page and 'value="2026-10-31"' in page
    assert all((f'href="/issues/{i}"' in page) == (month == 10) for i, month in ids.items())


def test_a_leader_gets_the_circular_of_a_month_across_campaigns(seeded) -> None:
    november, october = in_november_and_october(seeded)
    with seeded.app_context():
        names = inspector_names()
        visits = db.session.scalar(sa.select(sa.func.count()).select_from(Visit).where(Visit.state == "approved"))
    assert visits == 2
    response = client_for(seeded, "leader").get(f"{URL}.docx?from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    assert "2026-11-01-2026-11-30.docx" in response.headers["Content-Disposition"]
    doc = Document(io.BytesIO(response.get_data()))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[2] == "关于2026年11月暗访发现问题情况的通报"
    assert texts[1].startswith(reports.office.DEFAULTS.number_prefix) and texts[1].endswith("号")
    assert texts[4] == (f"2026年11月1日至2026年11月30日，共对1个政务服务窗口开展暗访1次，发现问题{november}个。"
                        "现将有关情况通报如下。")
    cases = [t for t in texts if t.startswith("（") and "问题：" in t]
    assert len(cases) == november and all("县市场监督管理局" in c and "2026年11月20日" in c for c in cases)
    assert texts[-1] == "2026年11月暗访发现问题整改台账" and "附件：2026年11月暗访发现问题整改台账" in texts
    assert len(doc.tables[0].rows) == november + 1
    text = text_of(doc)
    assert "县不动产登记中心" not in text and not any(n in text for n in names) and not CLOCK.search(text)


def test_a_range_of_days_counts_both_ends(seeded) -> None:
    november, october = in_november_and_october(seeded)
    response = client_for(seeded, "leader").get(f"{URL}.docx?from=2026-10-05&to=2026-11-20")
    doc = Document(io.BytesIO(response.get_data()))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[2] == "关于2026年10月5日至2026年11月20日暗访发现问题情况的通报"
    assert f"开展暗访2次，发现问题{november + october}个" in texts[4]
    assert len(doc.tables[0].rows) == november + october + 1


def test_a_period_without_findings_says_so(seeded) -> None:
    response = client_for(seeded, "leader").get(f"{URL}.docx?from=2026-01-01&to=2026-03-31")
    texts = [p.text for p in Document(io.BytesIO(response.get_data())).paragraphs if p.text]
    assert texts[2] == "关于2026年第一季度暗访发现问题情况的通报"
    assert "开展暗访0次，发现问题0个" in texts[4] and any("本期暗访未发现明显问题" in t for t in texts)


@pytest.mark.parametrize(("query", "zh", "en"), [
    ("from=2026-11-30&to=2026-11-01", "结束日期早于开始日期", "ends before it starts"),
    ("from=2026-11-31&to=2026-12-01", "不是有效日期", "is not a date"),
    ("to=2026-12-01", "请填写", "Give the first and the last day"),
    ("from=2024-01-01&to=2026-12-01", "最长一年", "at most one year"),
])
def test_bad_days_go_back_to_the_list_with_a_clear_message(seeded, query, zh, en) -> None:
    leader = client_for(seeded, "leader")
    for kind in ("docx", "pdf"):
        response = leader.get(f"{URL}.{kind}?{query}")
        assert response.status_code == 302 and "/issues/all" in response.headers["Location"]
    page = leader.get(f"{URL}.docx?{query}", follow_redirects=True)
    assert page.status_code == 200 and zh in page.get_data(as_text=True)
    with seeded.app_context():
        leader_user = user("leader")
        leader_user.locale = "en"
        db.session.commit()
    english = client_for(seeded, "leader").get(f"{URL}.docx?{query}", follow_redirects=True)
    assert en in english.get_data(as_text=True)


def test_only_leaders_get_a_periods_circular(seeded) -> None:
    for name in ("unit-market", "inspector1", "admin"):
        client = client_for(seeded, name)
        for kind in ("docx", "pdf"):
            assert client.get(f"{URL}.{kind}?from=2026-11-01&to=2026-11-30").status_code == 403, name
    assert seeded.test_client().get(f"{URL}.docx?from=2026-11-01&to=2026-11-30").status_code in (302, 401)


def test_the_periods_circular_pdf_reads_back(seeded, tmp_path) -> None:
    from tests.test_pdf_documents import poppler

    if not reports.pdf_available():
        pytest.skip("WeasyPrint is not available")
    november, _october = in_november_and_october(seeded)
    response = client_for(seeded, "leader").get(f"{URL}.pdf?from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = poppler("pdftotext", response.get_data(), tmp_path).split("\f")
    text = "".join(pages).replace("\n", "")
    assert "关于2026年11月暗访发现问题情况的通报" in text and f"发现问题{november}个" in text
    assert "县不动产登记中心" not in text and "— 1 —" in pages[0] and "— 2 —" in pages[1]



def test_a_periods_cases_show_the_photos_of_their_visits_in_the_period(seeded) -> None:
    from tests.test_circular_photos import attach_photos

    with seeded.app_context():
        november = approved({"attitude_score": 1})
        visit = db.session.get(Visit, november[0].occurrences[0].finding.visit_id)
        attach_photos(visit, 2)
        db.session.commit()
    leader = client_for(seeded, "leader")
    doc = Document(io.BytesIO(leader.get(f"{URL}.docx?from=2026-11-20&to=2026-11-20").get_data()))
    assert len(doc.inline_shapes) == 2 * len(november)
    earlier = Document(io.BytesIO(leader.get(f"{URL}.docx?from=2026-11-01&to=2026-11-19").get_data()))
    assert len(earlier.inline_shapes) == 0
