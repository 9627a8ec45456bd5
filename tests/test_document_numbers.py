"""The register of document numbers (发文字号): a leader records the serial the office's register
gave a 通报 or a day's 整改通知; the documents print it (the serial blank until then); a number is
given once per series and year; bad serials are refused with nothing written; only leaders record."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document

from app.extensions import db
from app.models import AuditLog, DocumentNumber, Unit, User
from app.services.calendar import china_today
from app.services.errors import ServiceError
from app.services.reports import numbers
from app.services.reports.official import notice_parts
from tests.factories import approved, user
from tests.test_pdf_documents import can_render, poppler  # noqa: F401 (fixture)
from tests.test_visit_views import client_for

BLANK = "\u3000\u3000"


def unit_of(username: str) -> int:
    return db.session.scalar(sa.select(User.unit_id).where(User.username == username))


def market_id(app) -> int:
    with app.app_context():
        return unit_of("unit-market")


def number_line(response) -> str:
    assert response.status_code == 200, response.status_code
    return [p.text for p in Document(io.BytesIO(response.get_data())).paragraphs if p.text][1]


def rows() -> list[tuple[str, str, int, int]]:
    return [tuple(r) for r in db.session.execute(sa.select(  # type: ignore[misc]
        DocumentNumber.subject, DocumentNumber.series, DocumentNumber.year, DocumentNumber.serial).order_by(
        DocumentNumber.id))]


# --- The service -----------------------------------------------------------------------------------


def test_record_replace_and_print(seeded) -> None:
    with seeded.app_context():
        leader, day = user("leader"), date(2026, 11, 28)
        subject = numbers.period_subject(date(2026, 11, 1), date(2026, 11, 30))
        assert numbers.number(subject, day).text == f"安如我办〔2026〕{BLANK}号"
        numbers.record(subject, " 7 ", leader, day)
        assert numbers.number(subject, day).text == "安如我办〔2026〕7号"
        numbers.record(subject, "１２", leader, day)  # full-width digits, as a Chinese keyboard types them
        # A replaced serial keeps the year it was recorded in, even when replaced later.
        assert numbers.number(subject, date(2027, 1, 5)).text == "安如我办〔2026〕12号"
        assert rows() == [(subject, "circular", 2026, 12)]
        row = numbers.recorded(subject)
        assert row is not None and row.recorded_by_id == leader.id and row.recorded_at is not None
        audits = db.session.scalars(sa.select(AuditLog.detail).where(AuditLog.action == "document.number")).all()
        assert audits == ["2026/7", "2026/12 (was 7)"]


@pytest.mark.parametrize("serial", ["0", "-3", "10000", "3.5", "1e3", "", "  ", "abc", "七", "a\x00b", "x" * 10_000,
                                    None, "99999999999999999999"])
def test_a_serial_is_a_whole_number_from_1_to_9999(seeded, serial) -> None:
    with seeded.app_context():
        with pytest.raises(ServiceError) as refused:
            numbers.record(numbers.campaign_subject(1), serial, user("leader"), date(2026, 11, 28))
        assert "1" in str(refused.value.message) and "9999" in str(refused.value.message)
        assert refused.value.field == "serial" and rows() == []


def test_a_number_is_given_once_per_series_and_year(seeded) -> None:
    with seeded.app_context():
        leader, day = user("leader"), date(2026, 11, 28)
        market = db.session.get(Unit, unit_of("unit-market"))
        first = numbers.period_subject(date(2026, 10, 1), date(2026, 12, 31))
        numbers.record(first, "3", leader, day)
        with pytest.raises(ServiceError) as refused:
            numbers.record(numbers.period_subject(date(2026, 11, 1), date(2026, 11, 30)), "3", leader, day)
        assert "安如我办〔2026〕3号" in str(refused.value.message)
        assert "2026-10-01" in str(refused.value.message) and "2026-12-31" in str(refused.value.message)
        # The notices have their own series (代字 + 改), and another year is another register.
        numbers.record(numbers.notice_subject(market.id, day), "3", leader, day)
        numbers.record(numbers.campaign_subject(1), "3", leader, date(2027, 1, 4))
        with pytest.raises(ServiceError) as again:
            numbers.record(numbers.notice_subject(market.id, date(2026, 12, 1)), "3", leader, date(2026, 12, 1))
        assert market.name in str(again.value.message) and "2026-11-28" in str(again.value.message)
        assert [r[1:] for r in rows()] == [("circular", 2026, 3), ("notice", 2026, 3), ("circular", 2027, 3)]
        with pytest.raises(ServiceError):
            numbers.record("circular:campaign:x", "4", leader, day)  # not a document's name


def test_a_number_taken_at_the_same_moment_by_another_leader_is_refused_not_a_500(seeded, monkeypatch) -> None:
    """Two leaders may both pass the check before either writes; the database refuses the
    second, and the service says so in words (nothing else written)."""
    with seeded.app_context():
        leader, day = user("leader"), date(2026, 11, 28)
        numbers.record(numbers.period_subject(date(2026, 10, 1), date(2026, 10, 31)), "8", leader, day)
        db.session.commit()
        monkeypatch.setattr(numbers, "_holder", lambda *args: None)  # the other's row came after the check
        with pytest.raises(ServiceError) as refused:
            numbers.record(numbers.period_subject(date(2026, 11, 1), date(2026, 11, 30)), "8", leader, day)
        assert "刚被登记为另一份文件" in str(refused.value.message)
        db.session.commit()
        assert [r[1:] for r in rows()] == [("circular", 2026, 8)]


def test_two_notices_to_one_unit_on_different_days_carry_their_own_numbers(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1})
        leader, market = user("leader"), db.session.get(Unit, unit_of("unit-market"))
        first, second = date(2026, 11, 2), date(2026, 11, 25)
        assert notice_parts(market, first).number == notice_parts(market, second).number == f"安如我办改〔2026〕{BLANK}号"
        numbers.record(numbers.notice_subject(market.id, first), "15", leader, first)
        numbers.record(numbers.notice_subject(market.id, second), "21", leader, second)
        assert notice_parts(market, first).number == "安如我办改〔2026〕15号"
        assert notice_parts(market, second).number == "安如我办改〔2026〕21号"
        assert notice_parts(market, date(2026, 11, 26)).number == f"安如我办改〔2026〕{BLANK}号"


# --- The pages and the documents --------------------------------------------------------------------


def test_a_leader_records_the_campaigns_circular_number(seeded) -> None:
    from tests.test_campaign_views import started_campaign

    leader = client_for(seeded, "leader")
    cid = started_campaign(seeded, leader, "close")
    year = china_today().year
    page = leader.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert f"/campaigns/{cid}/number" in page and f"安如我办〔{year}〕" in page
    assert number_line(leader.get(f"/campaigns/{cid}/circular.docx")) == f"安如我办〔{year}〕{BLANK}号"
    saved = leader.post(f"/campaigns/{cid}/number", data={"serial": "9"})
    assert saved.status_code == 302 and saved.location.endswith(f"/campaigns/{cid}")
    page = leader.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert "发文字号已登记" in page and 'name="serial" value="9"' in page
    assert number_line(leader.get(f"/campaigns/{cid}/circular.docx")) == f"安如我办〔{year}〕9号"
    for bad in ("0", "abc", "12345"):
        refused = leader.post(f"/campaigns/{cid}/number", data={"serial": bad})
        assert refused.status_code == 422 and "序号须为1至9999之间的整数" in refused.get_data(as_text=True)
    with seeded.app_context():
        assert [r[2:] for r in rows()] == [(year, 9)]
    for name in ("unit-market", "inspector1"):
        assert client_for(seeded, name).post(f"/campaigns/{cid}/number", data={"serial": "10"}).status_code == 403
    with seeded.app_context():
        assert [r[2:] for r in rows()] == [(year, 9)]


def test_a_campaign_not_yet_closed_has_no_number_to_record(seeded) -> None:
    from tests.test_campaign_views import started_campaign

    leader = client_for(seeded, "leader")
    cid = started_campaign(seeded, leader)
    assert f"/campaigns/{cid}/number" not in leader.get(f"/campaigns/{cid}").get_data(as_text=True)
    assert leader.post(f"/campaigns/{cid}/number", data={"serial": "1"}).status_code == 404
    assert leader.post("/campaigns/99999/number", data={"serial": "1"}).status_code == 404


def test_todays_notice_to_a_unit_prints_the_recorded_number_for_leader_and_unit(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1})
        db.session.commit()
    unit_id, year = market_id(seeded), china_today().year
    leader, unit = client_for(seeded, "leader"), client_for(seeded, "unit-market")
    listing = leader.get(f"/issues/all?unit={unit_id}").get_data(as_text=True)
    assert f"/issues/all/notice/{unit_id}/number" in listing
    saved = leader.post(f"/issues/all/notice/{unit_id}/number", data={"serial": "31"})
    assert saved.status_code == 302 and f"unit={unit_id}" in saved.location
    assert number_line(leader.get(f"/issues/all/notice/{unit_id}.docx")) == f"安如我办改〔{year}〕31号"
    assert number_line(unit.get("/issues/notice.docx")) == f"安如我办改〔{year}〕31号"
    # Another unit's notice is another document: it may not take the same number.
    with seeded.app_context():
        water = unit_of("unit-water")
    refused = leader.post(f"/issues/all/notice/{water}/number", data={"serial": "31"})
    assert refused.status_code == 422 and "已是" in refused.get_data(as_text=True)
    assert leader.post("/issues/all/notice/99999/number", data={"serial": "1"}).status_code == 404
    for name in ("unit-market", "inspector1"):
        assert client_for(seeded, name).post(f"/issues/all/notice/{unit_id}/number",
                                             data={"serial": "40"}).status_code == 403
    with seeded.app_context():
        assert [r[1:] for r in rows()] == [("notice", year, 31)]


def test_a_periods_circular_prints_the_recorded_number(seeded, can_render, tmp_path) -> None:  # noqa: F811
    leader, year = client_for(seeded, "leader"), china_today().year
    period = {"from": "2026-11-01", "to": "2026-11-30"}
    assert "/issues/all/circular/number" in leader.get("/issues/all", query_string=period).get_data(as_text=True)
    assert "/issues/all/circular/number" not in leader.get("/issues/all").get_data(as_text=True)
    saved = leader.post("/issues/all/circular/number", data={"start": "2026-11-01", "end": "2026-11-30", "serial": "8"})
    assert saved.status_code == 302 and "from=2026-11-01" in saved.location
    assert number_line(leader.get("/issues/all/circular.docx", query_string=period)) == f"安如我办〔{year}〕8号"
    text = poppler("pdftotext", leader.get("/issues/all/circular.pdf", query_string=period).get_data(), tmp_path)
    assert f"安如我办〔{year}〕8号" in text
    # Another period's circular is blank until its number is recorded, in the PDF too.
    other = {"from": "2026-10-01", "to": "2026-10-31"}
    assert number_line(leader.get("/issues/all/circular.docx", query_string=other)) == f"安如我办〔{year}〕{BLANK}号"
    text = poppler("pdftotext", leader.get("/issues/all/circular.pdf", query_string=other).get_data(), tmp_path)
    assert f"安如我办〔{year}〕" in text and f"安如我办〔{year}〕8号" not in text
    for data in ({"start": "2026-11-30", "end": "2026-11-01", "serial": "9"},  # reversed
                 {"start": "nonsense", "end": "2026-11-30", "serial": "9"},
                 {"start": "2026-10-01", "end": "2026-10-31", "serial": "8"}):  # taken
        refused = leader.post("/issues/all/circular/number", data=data)
        assert refused.status_code == 422, data
    with seeded.app_context():
        assert rows() == [(numbers.period_subject(date(2026, 11, 1), date(2026, 11, 30)), "circular", year, 8)]
    assert client_for(seeded, "unit-market").post("/issues/all/circular/number", data={
        "start": "2026-10-01", "end": "2026-10-31", "serial": "2"}).status_code == 403


def test_hostile_values_in_the_number_forms_are_refused_never_a_5xx(seeded) -> None:
    from tests.test_campaign_views import started_campaign
    from tests.test_hostile_sweep import TEXT_VALUES

    leader = client_for(seeded, "leader")
    cid, unit_id = started_campaign(seeded, leader, "close"), market_id(seeded)
    forms = [(f"/campaigns/{cid}/number", {"serial": "1"}), (f"/issues/all/notice/{unit_id}/number", {"serial": "1"}),
             ("/issues/all/circular/number", {"start": "2026-11-01", "end": "2026-11-30", "serial": "1"})]
    for action, good in forms:
        for name in good:
            for value in [*TEXT_VALUES, "%00", "0", "１e3"]:
                status = leader.post(action, data={**good, name: value}).status_code
                assert status in (400, 422), (action, name, value[:20], status)  # NUL: 400 before the view
    with seeded.app_context():
        assert rows() == []
