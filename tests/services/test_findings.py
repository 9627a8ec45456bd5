"""Each rule at and around its boundary, evaluated with the visit's pinned checklist."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.models import Category, Hall, MaterialKind, ServiceFee, ServiceItem, Severity
from app.services import checklists, issues, visits, wording
from tests.factories import BASE, make_visit, user


def found(visit) -> dict[str, tuple[Category, Severity]]:
    return {d.title_zh: (d.category, d.severity) for d in checklists.evaluate(visit)}


@pytest.fixture
def county(seeded, db):
    return seeded


def test_a_clean_visit_has_no_findings(county) -> None:
    assert found(make_visit()) == {}


@pytest.mark.parametrize(("wait", "expected"), [(29, None), (30, Severity.MEDIUM), (59, Severity.MEDIUM),
                                                (60, Severity.HIGH), (None, None)])
def test_wait_thresholds_of_the_hall(county, wait, expected) -> None:
    assert found(make_visit(wait=wait)).get("等候时间过长", (None, None))[1] == expected


def test_wait_thresholds_follow_the_hall_setting(county) -> None:
    hall = db.session.scalar(sa.select(Hall).where(Hall.name == "安远县产城新区云服务大厅"))
    hall.wait_medium_min, hall.wait_high_min = 20, 40
    assert found(make_visit(wait=20))["等候时间过长"][1] == Severity.MEDIUM
    assert found(make_visit(wait=40))["等候时间过长"][1] == Severity.HIGH


def test_extra_materials_high_abolished_and_shared_medium(county) -> None:
    result = found(make_visit(extra=["房东户口本"], ticked_names=["公司章程"]))
    assert result == {"多要材料": (Category.MATERIALS, Severity.HIGH)}
    result = found(make_visit(ticked_names=["公司章程", "验资证明"]))
    assert result == {"要求提供已取消或可共享获取的材料": (Category.MATERIALS, Severity.MEDIUM)}
    result = found(make_visit(extra=["身份证复印件"]))  # typed, but the guide says: by data sharing
    assert set(result) == {"要求提供已取消或可共享获取的材料"}
    assert found(make_visit(ticked_names=["公司章程"])) == {}


def test_extra_materials_detail_names_them(county) -> None:
    visit = make_visit(extra=["房东户口本", "结婚证"])
    draft = next(d for d in checklists.evaluate(visit) if d.rule == "guide:extra_materials")
    assert draft.params == {"names": ["房东户口本", "结婚证"]}
    with force_locale("zh_Hans"):
        assert wording.detail_text(draft.rule, draft.params) == "要求提供房东户口本、结婚证"
    with force_locale("en"):
        assert wording.detail_text(draft.rule, draft.params) == "asked for 房东户口本, 结婚证"
    assert [m.kind for m in visit.materials] == [MaterialKind.EXTRA, MaterialKind.EXTRA]


@pytest.mark.parametrize(("days", "expected"), [(0.5, None), (1, Severity.MEDIUM), (3, Severity.MEDIUM),
                                                (3.5, Severity.HIGH), (30, Severity.HIGH)])
def test_stated_time_limit_against_promised_and_statutory(county, days, expected) -> None:
    # 有限责任公司设立登记: promised 0.5, statutory 3 working days.
    result = found(make_visit({"stated_days": days}))
    severities = {sev for title, (cat, sev) in result.items() if cat is Category.EFFICIENCY}
    assert severities == ({expected} if expected else set())
    assert len(severities) <= 1  # never both


@pytest.mark.parametrize(("trips", "expected"), [(1, False), (2, True)])
def test_more_trips_than_allowed(county, trips, expected) -> None:
    assert ("跑动次数超过规定" in found(make_visit({"trips_required": trips}))) == expected


def test_fee_not_in_the_fee_rule_is_critical(county) -> None:
    fee = {"fee_asked": True, "fee_amount": 80, "fee_item": "登记费"}
    assert found(make_visit(fee))["收取指南以外的费用"] == (Category.FEES, Severity.CRITICAL)  # free item
    transfer = dict(window="02", item="realestate-transfer")
    assert "收取指南以外的费用" not in found(make_visit(fee, **transfer))  # 80 元 is in its rule
    assert "收取指南以外的费用" in found(make_visit({**fee, "fee_amount": 100}, **transfer))
    item = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == "market-company-setup"))
    item.fees.append(ServiceFee(name="加急费", amount_yuan=Decimal(80)))
    assert "收取指南以外的费用" not in found(make_visit(fee))


@pytest.mark.parametrize(
    ("answers", "title", "expected"),
    [({"one_time_notice": "none"}, "未一次性告知", Severity.HIGH),
     ({"one_time_notice": "oral"}, "仅口头告知，未书面告知", Severity.LOW),
     ({"first_contact": "deflected"}, "首问推诿", Severity.HIGH),
     ({"attitude_score": 2}, "服务态度差", Severity.MEDIUM),
     ({"attitude_score": 1}, "服务态度差", Severity.MEDIUM),
     ({"window_staffed": False}, "窗口无人在岗", Severity.HIGH),
     ({"behaviours": ["phone", "no_badge"]}, "工作时间玩手机", Severity.MEDIUM),
     ({"behaviours": ["no_badge"]}, "未佩戴工牌", Severity.LOW),
     ({"rude_language": True}, "刁难、辱骂或使用服务忌语", Severity.HIGH),
     ({"outcome": "refused", "refusal_reason_written": False}, "退回或不予受理未给书面理由", Severity.HIGH),
     ({"matches_online_guide": False}, "窗口说法与网上办事指南不一致", Severity.MEDIUM),
     ({"rating_induced": True}, "诱导或施压好评", Severity.HIGH),
     ({"online_path": "forced_offline"}, "可网办却被要求到现场", Severity.MEDIUM),
     ({"sent_elsewhere": ["other_department"]}, "被要求到其他部门另办", Severity.MEDIUM),
     ({"signage_found": False, "people_asked": 3}, "询问多人才找到窗口", Severity.MEDIUM),
     ({"hall_clean": False}, "大厅环境不整洁", Severity.LOW)],
)
def test_answer_rules(county, answers, title, expected) -> None:
    assert found(make_visit(answers))[title][1] == expected


@pytest.mark.parametrize(("answers", "title"), [({"attitude_score": 3}, "服务态度差"),
                                                ({"signage_found": False, "people_asked": 2}, "询问多人才找到窗口"),
                                                ({"outcome": "completed", "refusal_reason_written": False},
                                                 "退回或不予受理未给书面理由")])
def test_answer_rules_just_inside_the_limits(county, answers, title) -> None:
    assert title not in found(make_visit(answers))


def test_hall_level_findings_have_no_window(county) -> None:
    drafts = {d.title_zh: d for d in checklists.evaluate(make_visit({"hall_clean": False, "window_staffed": False}))}
    assert drafts["大厅环境不整洁"].hall_level and not drafts["窗口无人在岗"].hall_level


def test_submit_proposes_findings_and_resubmit_reevaluates(county) -> None:
    visit = make_visit({"attitude_score": 1})
    inspector = visit.inspector
    payload = visits.parse_payload(visit.uuid, {**visits.draft_state(visit), "answers": {**BASE, "attitude_score": 1}})
    visits.submit(inspector, payload)
    assert [f.title_zh for f in checklists.of_visit(visit)] == ["服务态度差"]
    issues.return_visit(visit, user("leader"), "请核实")
    payload = visits.parse_payload(visit.uuid, {**visits.draft_state(visit), "answers": {**BASE, "attitude_score": 5}})
    visits.submit(inspector, payload)
    assert checklists.of_visit(visit) == []
