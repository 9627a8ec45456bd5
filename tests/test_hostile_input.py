"""Hostile input answered 4xx with a message, writing nothing: autosave limits, unstorable text,
the .xlsx bomb, refusals in the audit log with their bound, and the lockout answer for names
without an account."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import timedelta

import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import AuditLog, ServiceItem, Visit, VisitAnswer
from app.services import catalogue
from app.services.audit import DENIED
from tests.conftest import count
from tests.test_visit_views import UUID, body, client_for, put, submit


def test_autosave_refuses_an_answer_longer_than_its_question_allows(seeded) -> None:
    inspector = client_for(seeded, "inspector1")
    answers = {"signage_found": False, "people_asked": 2, "not_done_well": "长" * 3001}
    response = put(inspector, body(seeded, answers=answers))
    assert response.status_code == 400
    assert response.get_json()["message"] == "最多 3000 个字符。" and response.get_json()["field"] == "not_done_well"
    with seeded.app_context():
        assert count(Visit) == 0 and count(VisitAnswer) == 0
    response = submit(inspector, body(seeded, answers=answers))
    assert response.status_code == 400
    with seeded.app_context():
        assert count(Visit) == 0


def test_autosave_body_is_bounded_in_size_and_depth(seeded) -> None:
    inspector = client_for(seeded, "inspector1")
    huge = put(inspector, body(seeded, answers={"not_done_well": "x" * (20 * 1024 * 1024)}))
    assert huge.status_code == 413 and "超过了系统允许的大小" in huge.get_json()["message"]
    deep = inspector.put(f"/visits/api/visits/{UUID}", data="[" * 100_000, content_type="application/json")
    assert deep.status_code == 400 and deep.get_json()["message"] == "提交的内容嵌套层级过深。"
    broken = inspector.put(f"/visits/api/visits/{UUID}", data='{"window_id": ', content_type="application/json")
    assert broken.status_code == 400 and "JSON" in broken.get_json()["message"]
    with seeded.app_context():
        assert count(Visit) == 0


def test_unstorable_text_is_refused_everywhere_it_can_arrive(seeded) -> None:
    inspector = client_for(seeded, "inspector1")
    for answers in ({"not_done_well": "a\x00b"}, {"not_done_well": "\udfff"}, {"x\x00": 1}):
        raw = json.dumps(body(seeded, answers=answers))  # escapes: \u0000, \udfff
        response = inspector.put(f"/visits/api/visits/{UUID}", data=raw, content_type="application/json")
        assert response.status_code == 400 and "无法保存的字符" in response.get_json()["message"], answers
    anonymous = seeded.test_client()
    login = anonymous.post("/login", data={"username": "admin\x00", "password": "x"})
    assert login.status_code == 400 and "无法保存的字符" in login.get_data(as_text=True)
    assert anonymous.get("/login?next=%00").status_code == 400
    with seeded.app_context():
        assert count(Visit) == 0


def test_numbers_beyond_what_the_database_holds_are_not_found(seeded) -> None:
    leader = client_for(seeded, "leader")
    for path in ("/issues/99999999999999999999", f"/issues/{2**31}", "/issues/0", "/issues/-1",
                 "/dashboard/visits/99999999999999999999/findings/1/dismiss"):
        assert leader.get(path).status_code in (404, 405), path
    assert leader.get("/issues/all?window=99999999999999999999&unit=-5&hall=abc").status_code == 200
    admin = client_for(seeded, "admin")
    for year in ("99999", "-5", "abc", "2**40"):
        assert admin.get(f"/admin/calendar?year={year}").status_code == 200, year


def test_refusals_are_audited_with_a_bound_per_minute(seeded) -> None:
    with freeze_time("2026-11-25 02:00:00") as frozen:
        inspector = client_for(seeded, "inspector1")
        for _ in range(25):
            assert inspector.get("/admin/users/").status_code == 403
        with seeded.app_context():
            rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == DENIED)).all()
            assert len(rows) == seeded.config["AUDIT_DENIALS_PER_MINUTE"]
            assert {(r.actor_name, r.result, r.object_id, r.detail) for r in rows} == {
                ("inspector1", "denied", "/admin/users/", "403")}
        frozen.tick(timedelta(seconds=61))
        assert inspector.post("/admin/units/new", data={"code": "x", "name": "y"}).status_code == 403
        with seeded.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).where(AuditLog.action == DENIED)) == 11


def test_another_units_issue_is_not_found_and_the_attempt_is_audited(seeded) -> None:
    from tests.test_issue_views import approve, submit_visit

    inspector, leader = client_for(seeded, "inspector1"), client_for(seeded, "leader")
    visit_id = submit_visit(seeded, inspector, attitude_score=1)
    approve({"leader": leader, "visit_id": visit_id})
    with seeded.app_context():
        from app.models import Issue

        issue_id = db.session.scalar(sa.select(Issue.id))
    other = client_for(seeded, "unit-water")
    assert other.get(f"/issues/{issue_id}").status_code == 404
    with seeded.app_context():
        row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == DENIED))
        assert row.actor_name == "unit-water" and row.detail == "404" and row.object_id == f"/issues/{issue_id}"


def test_a_name_without_an_account_locks_like_a_real_one(client, make_user) -> None:
    make_user("zhang")
    with freeze_time("2026-11-25 02:00:00"):
        answers = {}
        for name in ("zhang", "nobody-here"):
            pages = [client.post("/login", data={"username": name, "password": "wrong"}).get_data(as_text=True)
                     for _ in range(6)]
            answers[name] = ["已被锁定" in page for page in pages]
        assert answers["zhang"] == answers["nobody-here"] == [False] * 5 + [True]


def xlsx_bomb(unpacked: int) -> bytes:
    """A valid-looking .xlsx whose sheet unpacks to ``unpacked`` bytes (deflate: ~1000:1)."""
    from openpyxl import Workbook

    book = io.BytesIO()
    Workbook().save(book)
    out = io.BytesIO()
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, tail = data.partition(b"<sheetData/>")
                row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"A" * 30000 + b"</t></is></c></row>"
                with dst.open(info.filename, "w", force_zip64=True) as part:
                    part.write(head + b"<sheetData>")
                    written = 0
                    while written < unpacked:
                        part.write(row * 100)
                        written += len(row) * 100
                    part.write(b"</sheetData>" + tail)
            else:
                dst.writestr(info, data)
    return out.getvalue()


def test_an_xlsx_bomb_is_refused_before_parsing(seeded) -> None:
    bomb = xlsx_bomb(64 * 1024 * 1024)
    assert len(bomb) < catalogue.MAX_IMPORT_BYTES
    admin = client_for(seeded, "admin")
    started = time.perf_counter()
    response = admin.post("/admin/items/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(bomb), "guides.xlsx")})
    assert time.perf_counter() - started < 5  # a generous bound for a slow machine; bench/ has the figure
    assert response.status_code == 422 and "文件解压后超过 32 MB" in response.get_data(as_text=True)
    with seeded.app_context():
        assert not db.session.scalars(sa.select(ServiceItem).where(ServiceItem.code.startswith("zz"))).all()


def test_import_values_longer_than_their_columns_name_the_cell(seeded) -> None:
    header = "事项编码,事项名称,实施单位代码,承诺时限,收费说明,材料名称\n"
    content = header + f"civil-long,{'名' * 121},approval,1,{'费' * 301},{'材' * 151}\n"
    admin = client_for(seeded, "admin")
    response = admin.post("/admin/items/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(content.encode()), "g.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for column, limit in (("事项名称", 120), ("收费说明", 300), ("材料名称", 150)):
        assert f"<td>2</td><td>{column}</td><td>最多 {limit} 个字符。" in page.replace("\n", ""), column
    with seeded.app_context():
        assert db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == "civil-long")) is None
