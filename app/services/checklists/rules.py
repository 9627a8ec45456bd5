"""Rules -> findings: one service evaluates every rule declared in a visit's checklist.

Rules sit beside their questions in the template (surveys/*.yaml, ``findings:``): either an
answer condition (``when``) or a named rule over the service guide and the hall
(``rule``). They are evaluated with the template version the visit is pinned to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Category, Finding, FindingState, MaterialKind, Severity, Visit
from app.services.checklists.answers import visible
from app.services.checklists.versions import stored_template


@dataclass(frozen=True)
class Draft:
    """A finding before it is stored."""

    rule: str
    question_key: str | None
    category: Category
    severity: Severity
    hall_level: bool
    title_zh: str
    title_en: str
    detail: str = ""


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _days(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _extra_materials(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, str]:
    names = [m.name for m in visit.materials if m.kind is MaterialKind.EXTRA]
    return (Severity.HIGH if names else None), "、".join(names)


def _abolished_or_shared(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, str]:
    names = [m.name for m in visit.materials if m.kind in (MaterialKind.ABOLISHED, MaterialKind.SHARED)]
    return (Severity.MEDIUM if names else None), "、".join(names)


def _wait(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, str]:
    wait, hall = visit.wait_minutes, visit.window.hall
    if wait is None or wait < hall.wait_medium_min:
        return None, ""
    return (Severity.HIGH if wait >= hall.wait_high_min else Severity.MEDIUM), f"{wait} min"


def _over_statutory(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, str]:
    stated, item = _number(answers.get(key)), visit.service_item
    if stated is None or item is None or item.statutory_days is None or stated <= item.statutory_days:
        return None, ""
    return Severity.HIGH, f"{_days(stated)} > {_days(item.statutory_days)}"


def _over_promised(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, str]:
    stated, item = _number(answers.get(key)), visit.service_item
    if stated is None or item is None or stated <= item.promised_days:
        return None, ""
    if _over_statutory(visit, answers, key)[0] is not None:
        return None, ""  # the statutory rule already reports it, more severely
    return Severity.MEDIUM, f"{_days(stated)} > {_days(item.promised_days)}"


def _over_trips(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, str]:
    trips, item = _number(answers.get(key)), visit.service_item
    limit = item.max_trips if item is not None else 1
    if trips is None or trips <= limit:
        return None, ""
    return Severity.MEDIUM, f"{_days(trips)} > {limit}"


def _fee(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, str]:
    amount, item = _number(answers.get(key)), visit.service_item
    if amount is None or amount <= 0 or item is None:
        return None, ""
    allowed = {fee.amount_yuan for fee in item.fees}
    if amount in allowed:
        return None, ""
    what = str(answers.get("fee_item") or "")
    return Severity.CRITICAL, f"{_days(amount)} 元 {what}".strip()


GuideRuleCheck = Callable[[Visit, dict[str, Any], str], tuple[Severity | None, str]]
#: The named rules over the guide and the hall, each giving (severity or None, detail).
GUIDE_RULE_CHECKS: dict[str, GuideRuleCheck] = {
    "extra_materials": _extra_materials,
    "abolished_or_shared_materials": _abolished_or_shared,
    "wait_thresholds": _wait,
    "over_statutory_days": _over_statutory,
    "over_promised_days": _over_promised,
    "over_max_trips": _over_trips,
    "fee_not_in_rule": _fee,
}


def evaluate(visit: Visit) -> list[Draft]:
    """Every finding the visit's answers, timings and materials produce (pure: nothing stored)."""
    template = stored_template(visit.survey_version)
    answers = visit.answers_dict()
    drafts: list[Draft] = []
    for question in visible(template, answers):
        for index, spec in enumerate(question.findings or []):
            if spec.when is not None:
                if not spec.when.holds(answers.get(question.key)):
                    continue
                severity, detail, rule = Severity(cast(str, spec.severity)), "", f"q:{question.key}:{index}"
            else:
                found, detail = GUIDE_RULE_CHECKS[cast(str, spec.rule)](visit, answers, question.key)
                if found is None:
                    continue
                # A severity declared in the template wins; the wait rule grades by the hall's thresholds.
                severity = Severity(spec.severity) if spec.severity else found
                rule = f"guide:{spec.rule}"
            drafts.append(Draft(rule=rule, question_key=question.key, category=Category(spec.category),
                                severity=severity, hall_level=spec.hall_level,
                                title_zh=spec.title.zh, title_en=spec.title.en, detail=detail))
    return drafts


def propose(visit: Visit) -> list[Finding]:
    """Replace the visit's rule-made findings with a fresh evaluation (manual ones stay)."""
    db.session.execute(sa.delete(Finding).where(Finding.visit_id == visit.id, Finding.manual.is_(False),
                                                Finding.issue_id.is_(None)))
    made = [Finding(visit_id=visit.id, rule=d.rule, question_key=d.question_key, category=d.category,
                    severity=d.severity, hall_level=d.hall_level, title_zh=d.title_zh,
                    title_en=d.title_en, detail=d.detail[:1000], state=FindingState.PROPOSED)
            for d in evaluate(visit)]
    db.session.add_all(made)
    db.session.flush()
    return made


def of_visit(visit: Visit) -> list[Finding]:
    """The visit's findings, most severe first."""
    rows = db.session.scalars(sa.select(Finding).where(Finding.visit_id == visit.id).order_by(Finding.id))
    return sorted(rows, key=lambda f: -f.severity.rank)
