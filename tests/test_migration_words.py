"""The migration that keeps findings' and steps' figures converts what was stored as text, on
SQLite and PostgreSQL: old-style details and notes read as words afterwards, unknown text stays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import Finding, Issue, IssueEvent
from app.services import wording

pytestmark = pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                                     indirect=True)
BEFORE, WORDS = "90be1916c03b", "c00e2c4c1d60"
WHEN = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


@pytest.fixture
def old_app(app_factory):
    app = app_factory()
    with app.app_context():
        db.drop_all()
        upgrade(revision=BEFORE)
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def put(conn: sa.Connection, table: str, **values: object) -> int:
    """Insert a row, filling the other required columns with harmless values; returns its id."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    for column in reflected.columns:
        if column.name in values or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
        values[column.name] = {int: 1, str: "x", bool: False, date: date(2026, 11, 20), datetime: WHEN,
                               dict: {}}[kind]
    return conn.execute(reflected.insert().values(**values).returning(reflected.c.id)).scalar_one()


FINDINGS = [  # (rule, title_zh, title_en, stored detail)
    ("guide:wait_thresholds", "等候时间过长", "Long wait", "52 min"),
    ("guide:over_promised_days", "告知时限超过承诺时限", "Stated time limit over the promised limit", "20 > 1"),
    ("guide:over_max_trips", "跑动次数超过规定", "More trips than allowed", "2 > 1"),
    ("guide:fee_not_in_rule", "收取指南以外的费用", "Fee not in the fee rule", "50 元 工本费"),
    ("guide:extra_materials", "多要材料", "Materials demanded beyond the guide", "房东户口本、结婚证"),
    ("guide:wait_thresholds", "等候时间过长", "Long wait", "大约一小时"),  # not the pattern: kept
    ("manual", "窗口无人", "窗口无人", "午休时间无人值守"),
]
EVENTS = [  # (kind, stored note)
    ("assigned", "等候时间过长"),
    ("occurrence", "跑动次数超过规定"),
    ("updated", "supporting: 县行政审批局; deadline: 2026-12-04 → 2026-12-09"),
    ("updated", "lead: 县市场监管局 → 县人社局; severity: medium → high; rectification_type: deadline → immediate"),
    ("updated", "supporting:"),
    ("contest_transferred", "县市场监管局 → 县人社局: 属人社职责"),
    ("overdue_notice", "3"),
    ("extension_requested", "+5: 需要采购设备"),
    ("reported", "已整改，张贴公示"),
    ("updated", "something else → other"),  # not the pattern: kept
]


def old_rows(app) -> tuple[int, list[int], list[int]]:
    with app.app_context(), db.engine.begin() as conn:
        unit = put(conn, "units", code="market", name="县市场监管局")
        hall = put(conn, "halls", name="大厅", kind="service_centre")
        window = put(conn, "windows", hall_id=hall, unit_id=unit, number="A03", name="商事登记")
        inspector = put(conn, "users", username="i1", role="inspector", unit_id=unit)
        survey = put(conn, "survey_versions", key="window-visit", version=1, sha256="0" * 64)
        visit = put(conn, "visits", uuid="00000000-0000-4000-8000-000000000001", inspector_id=inspector,
                    window_id=window, survey_version_id=survey, state="approved")
        issue = put(conn, "issues", hall_id=hall, window_id=window, category="efficiency", state="assigned",
                    severity="medium", rectification_type="deadline", title="等候时间过长", lead_unit_id=unit)
        findings = []
        for rule, zh, en, detail in FINDINGS:
            finding = put(conn, "findings", visit_id=visit, rule=rule, category="efficiency", severity="medium",
                          title_zh=zh, title_en=en, detail=detail, state="confirmed", issue_id=issue)
            put(conn, "occurrences", issue_id=issue, finding_id=finding)
            findings.append(finding)
        events = [put(conn, "issue_events", issue_id=issue, actor_role="leader", kind=kind, note=note)
                  for kind, note in EVENTS]
    return issue, findings, events


def test_old_details_and_notes_read_as_words_after_the_upgrade(old_app) -> None:
    issue_id, finding_ids, event_ids = old_rows(old_app)
    with old_app.app_context():
        upgrade(revision=WORDS)
        found = [db.session.get(Finding, i) for i in finding_ids]
        steps = [db.session.get(IssueEvent, i) for i in event_ids]
        with force_locale("zh_Hans"):
            details = [wording.finding_detail(f) for f in found]
            texts = [(wording.event_text(e), e.note) for e in steps]
        with force_locale("en"):
            english = [wording.finding_detail(f) for f in found] + [wording.event_text(e) for e in steps]
        issue = db.session.get(Issue, issue_id)
        assert (issue.title, issue.title_en) == (
            "等候时间过长、告知时限超过承诺时限、跑动次数超过规定、收取指南以外的费用、多要材料、窗口无人",
            "Long wait, Stated time limit over the promised limit, More trips than allowed, Fee not in the fee rule, "
            "Materials demanded beyond the guide, 窗口无人")
    assert found[0].params == {"minutes": "52"} and found[0].detail == ""
    assert details == ["等候 52 分钟", "告知办理时限 20 个工作日，承诺时限为 1 个工作日", "跑动 2 次，规定最多 1 次",
                       "收取 50 元（工本费）", "要求提供房东户口本、结婚证", "大约一小时", "午休时间无人值守"]
    assert texts == [
        ("等候时间过长", ""), ("跑动次数超过规定", ""),
        ("协办单位调整为县行政审批局；整改时限由2026年12月4日改为2026年12月9日", ""),
        ("牵头单位由县市场监管局改为县人社局；严重程度由“一般”改为“较重”；整改类型由“限期整改”改为“立行立改”", ""),
        ("不再设协办单位", ""),
        ("由县市场监管局转办至县人社局", "属人社职责"), ("已超过整改时限 3 个工作日", ""),
        ("申请延期 5 个工作日", "需要采购设备"), ("", "已整改，张贴公示"), ("", "something else → other")]
    assert english[:5] == ["waited 52 minutes", "told 20 working days; the promised limit is 1",
                           "2 trips; at most 1 allowed", "charged 50 yuan (工本费)", "asked for 房东户口本, 结婚证"]
    assert english[9] == "supporting units now 县行政审批局; deadline moved from Dec 4, 2026 to Dec 9, 2026"
    assert english[12:14] == ["transferred from 县市场监管局 to 县人社局", "3 working days past the deadline"]


def test_the_downgrade_writes_the_old_text_back(old_app) -> None:
    _issue_id, finding_ids, event_ids = old_rows(old_app)
    with old_app.app_context():
        upgrade(revision=WORDS)
        db.session.remove()
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            details = conn.execute(sa.text("SELECT detail FROM findings ORDER BY id")).scalars().all()
            notes = conn.execute(sa.text("SELECT note FROM issue_events ORDER BY id")).scalars().all()
    assert details == [detail for _rule, _zh, _en, detail in FINDINGS]
    assert notes == [note for _kind, note in EVENTS]
