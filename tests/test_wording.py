"""Words people read: every finding kind, step kind and audit action rendered from the catalogue
in Chinese and English, and the pages that show them (audit log, accounts, issues)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.labels import AUDIT_ACTION_LABELS, AUDIT_RESULT_LABELS, EVENT_LABELS, audit_action_label, audit_detail
from app.models import Category, Issue, IssueEvent, RectificationType, Severity
from app.services import checklists, issues, wording
from tests.factories import approved, user
from tests.test_visit_views import client_for

APP = Path(__file__).resolve().parents[1] / "app"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def sample(name: str) -> object:
    return ["县市场监管局", "县人社局"] if name == "names" else "1234.5"


def both(render) -> tuple[str, str]:
    """``render()`` in Chinese and in English."""
    with force_locale("zh_Hans"):
        zh = render()
    with force_locale("en"):
        en = render()
    return zh, en


def test_every_guide_rules_detail_reads_in_both_languages(app) -> None:
    with app.app_context():
        for name, rule in checklists.GUIDE_RULES.items():
            params = {key: sample(key) for key in PLACEHOLDER.findall(str(rule.detail._args[0]))}
            assert params, name
            zh, en = both(lambda rule=rule, params=params: wording.detail_text(f"guide:{rule.name}", params))
            assert zh != en, f"{name}: no Chinese in the catalogue"
            for text in (zh, en):
                assert "%(" not in text and "1,234.5" in text or "县人社局" in text, (name, text)
            assert not re.search(r"[A-Za-z]{3}", zh), (name, zh)


def test_finding_details_read_like_sentences(app) -> None:
    cases = [
        ("guide:wait_thresholds", {"minutes": "52"}, "等候 52 分钟", "waited 52 minutes"),
        ("guide:over_promised_days", {"stated": "20", "limit": "1"},
         "告知办理时限 20 个工作日，承诺时限为 1 个工作日", "told 20 working days; the promised limit is 1"),
        ("guide:over_max_trips", {"trips": "2", "limit": "1"}, "跑动 2 次，规定最多 1 次", "2 trips; at most 1 allowed"),
        ("guide:fee_not_in_rule", {"amount": "1200", "note": "工本费"}, "收取 1,200 元（工本费）",
         "charged 1,200 yuan (工本费)"),
        ("guide:extra_materials", {"names": ["房东户口本", "结婚证"]}, "要求提供房东户口本、结婚证",
         "asked for 房东户口本, 结婚证"),
    ]
    with app.app_context():
        for rule, params, zh, en in cases:
            assert both(lambda rule=rule, params=params: wording.detail_text(rule, params)) == (zh, en)
        # Text someone typed, or stored before the figures were kept, stays as written.
        assert both(lambda: wording.detail_text("manual", None, "窗口无人")) == ("窗口无人", "窗口无人")
        assert both(lambda: wording.detail_text("guide:wait_thresholds", None, "52 min")) == ("52 min", "52 min")


def used_event_kinds() -> set[str]:
    """Every step kind the services write (``add_event``/``move`` with a literal kind)."""
    kinds = set()
    for path in (APP / "services").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r"(?<![\w.])(?:add_event|move)\([^()]*?, \"([a-z_0-9]+)\"", source))
    return kinds | {f"escalated_{n}" for n in (1, 2, 3)}


def test_every_step_kind_has_words_in_both_languages(app) -> None:
    kinds = used_event_kinds()
    assert {"assigned", "updated", "contest_transferred", "overdue_notice", "extension_requested"} <= kinds
    assert kinds <= set(EVENT_LABELS), kinds - set(EVENT_LABELS)
    with app.app_context():
        for kind, label in EVENT_LABELS.items():
            zh, en = both(lambda label=label: str(label))
            assert zh != en, f"{kind}: no Chinese in the catalogue"
        for kind, message in wording.EVENT_TEXTS.items():
            params = {key: sample(key) for key in PLACEHOLDER.findall(str(message._args[0]))}
            zh, en = both(lambda kind=kind, params=params: wording.step_text(kind, params))
            assert zh != en and "%(" not in zh + en, kind
        for field in wording.CHANGE_TEXTS:
            change = {"field": field, "old": "low", "new": "high"}
            if field == "rectification_type":
                change |= {"old": "deadline", "new": "immediate"}
            elif field == "deadline":
                change |= {"old": "2026-12-04", "new": "2026-12-09"}
            elif field == "supporting_units":
                change = {"field": field, "new": ["县人社局"]}
            zh, en = both(lambda change=change: wording.step_text("updated", {"changes": [change]}))
            assert zh != en and field not in zh and "%(" not in zh + en, field


def test_a_settings_change_reads_as_words(app) -> None:
    params = {"changes": [{"field": "supporting_units", "new": ["县行政审批局"]},
                          {"field": "deadline", "old": "2026-12-04", "new": "2026-12-09"},
                          {"field": "severity", "old": "medium", "new": "high"}]}
    with app.app_context():
        zh, en = both(lambda: wording.step_text("updated", params))
    assert zh == "协办单位调整为县行政审批局；整改时限由2026年12月4日改为2026年12月9日；严重程度由“一般”改为“较重”"
    assert en == ("supporting units now 县行政审批局; deadline moved from Dec 4, 2026 to Dec 9, 2026; "
                  "severity changed from medium to high")


def audited_actions() -> set[str]:
    """Every audit action written with a literal name (the first argument of ``audit.record``,
    or of ``record`` inside the audit service; the second of the catalogue's ``_audit_change``),
    and the catalogue's activations."""
    actions = set()
    for path in APP.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        # audit.record(...) everywhere, and record(...) inside app/services/audit.py itself
        for argument in [*re.findall(r"(?:\baudit\.|(?<![\w.]))record\(([^,]*),", source),
                         *re.findall(r"_audit_change\(\w+, ([^,]*),", source)]:
            actions |= set(re.findall(r"\"([a-z_.]+)\"", argument))
    return actions | {f"{kind}.{verb}" for kind in ("unit", "hall", "window", "serviceitem")
                      for verb in ("activate", "deactivate")} | {"access.denied"}


def test_every_audit_action_and_result_has_words(app) -> None:
    actions = audited_actions()
    assert {"login", "visit.submit", "user.create", "hall.create"} <= actions
    with app.app_context():
        for action in actions | {"issue.assigned", "campaign.drawn"}:
            zh, en = both(lambda action=action: audit_action_label(action))
            assert zh != action and en != action and zh != en, action
        for result, label in AUDIT_RESULT_LABELS.items():
            assert both(lambda label=label: str(label))[0] != result
        assert both(lambda: audit_detail("issue.started", "assigned->in_progress")) == (
            "已交办 → 整改中", "assigned → in progress")
        assert both(lambda: audit_detail("login", "wrong password")) == ("wrong password", "wrong password")
    assert set(AUDIT_ACTION_LABELS) <= actions, set(AUDIT_ACTION_LABELS) - actions


def test_the_audit_log_and_the_accounts_show_words(seeded) -> None:
    admin = client_for(seeded, "admin")
    log = admin.get("/admin/audit/").get_data(as_text=True)
    assert "登录" in log and ">已完成</td>" in log and ">ok</td>" not in log
    accounts = admin.get("/admin/users/").get_data(as_text=True)
    state_cells = re.findall(r"<td data-label=\"状态\">(?:正常|<span class=\"badge\">已停用</span>)", accounts)
    assert len(state_cells) == accounts.count("<tr") - 1  # every account has a state, in words
    admin.post("/language", data={"lang": "en"})
    log = admin.get("/admin/audit/").get_data(as_text=True)
    assert "Sign-in" in log and "done" in log
    assert '<td data-label="State">active' in admin.get("/admin/users/").get_data(as_text=True)


@pytest.fixture
def several(seeded):
    """One issue at window 01 holding a long wait, a time limit over the promise and extra trips."""
    with seeded.app_context():
        found = approved({"stated_days": 2, "trips_required": 3}, wait=52)
        [issue] = [i for i in found if i.category is Category.EFFICIENCY]
        issues.update_settings(issue, issues.IssueSettings(
            lead_unit_id=issue.lead_unit_id, supporting_unit_ids=(), severity=Severity.CRITICAL,
            rectification_type=RectificationType.DEADLINE, deadline=date(2026, 12, 9)), user("leader"))
        db.session.commit()
        return issue.id


def test_an_issue_is_titled_by_what_it_holds(seeded, several) -> None:
    with seeded.app_context():
        issue = db.session.get(Issue, several)
        assert issue.title == "等候时间过长、告知时限超过承诺时限、跑动次数超过规定"
        assert issue.title_en == "Long wait, Stated time limit over the promised limit, More trips than allowed"
        window = issue.window.number
    for name in ("leader", "unit-market"):
        client = client_for(seeded, name)
        page = client.get(f"/issues/{several}").get_data(as_text=True)
        assert f"{window}号窗口 · 办事效率" in page
        for words in ("等候时间过长", "等候 52 分钟", "告知时限超过承诺时限", "跑动次数超过规定", "跑动 3 次，规定最多 1 次",
                      "严重程度由“一般”改为“严重”"):
            assert words in page, (name, words)
        assert "52 min" not in page and "3 > 1" not in page and "severity:" not in page
        client.post("/language", data={"lang": "en"})
        page = client.get(f"/issues/{several}").get_data(as_text=True)
        for words in (f"Window {window} · Efficiency and waiting", "Long wait", "waited 52 minutes",
                      "More trips than allowed", "3 trips; at most 1 allowed", "severity changed from medium to critical"):
            assert words in page, (name, words)
        assert "等候时间过长" not in page
        listing = client.get("/issues/" if name == "unit-market" else "/issues/all").get_data(as_text=True)
        assert "Long wait, Stated time limit" in listing


def test_events_keep_their_figures(seeded, several) -> None:
    with seeded.app_context():
        events = db.session.scalars(sa.select(IssueEvent).where(IssueEvent.issue_id == several)).all()
        assert events[0].kind == "assigned" and events[0].params == {"finding": {"zh": "等候时间过长", "en": "Long wait"}}
        assert events[-1].kind == "updated" and events[-1].note == ""
        assert {"field": "severity", "old": "medium", "new": "critical"} in events[-1].params["changes"]


def test_notifications_name_the_issue_in_the_readers_language(app) -> None:
    from app.services.notifications.messages import text

    params = {"issue": 7, "title": "等候时间过长", "title_en": "Long wait", "deadline": "2026-12-09"}
    with app.app_context():
        zh, en = both(lambda: text("issue.closed", params) + text("issue.assigned", params))
        old = both(lambda: text("issue.closed", {"issue": 7, "title": "等候时间过长"}))
    assert "等候时间过长" in zh and "2026年12月9日" in zh
    assert "(Long wait)" in en and "Dec 9, 2026" in en and "等候" not in en
    assert "等候时间过长" in old[1]  # stored before issues had an English title
