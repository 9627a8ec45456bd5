"""Rules -> findings: one service evaluates every rule declared in a visit's checklist.

Rules sit beside their questions in the template (surveys/*.yaml, ``findings:``): either an
answer condition (``when``) or a named rule over the service guide and the hall
(``rule``, registered in ``guide_rules``). They are evaluated with the template version the
visit is pinned to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Category, Finding, FindingState, Severity, Visit
from app.services.checklists.answers import visible
from app.services.checklists.guide_rules import GUIDE_RULES
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
    #: A guide rule's figures, from which the detail is rendered (None for answer conditions).
    params: dict[str, Any] | None = None


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
                severity, params, rule = Severity(cast(str, spec.severity)), None, f"q:{question.key}:{index}"
            else:
                found, params = GUIDE_RULES[cast(str, spec.rule)].run(visit, answers, question.key)
                if found is None:
                    continue
                # A severity declared in the template wins; the wait rule grades by the hall's thresholds.
                severity = Severity(spec.severity) if spec.severity else found
                rule = f"guide:{spec.rule}"
            drafts.append(Draft(rule=rule, question_key=question.key, category=Category(spec.category),
                                severity=severity, hall_level=spec.hall_level,
                                title_zh=spec.title.zh, title_en=spec.title.en, params=params))
    return drafts


def propose(visit: Visit) -> list[Finding]:
    """Replace the visit's rule-made findings with a fresh evaluation (manual ones stay)."""
    db.session.execute(sa.delete(Finding).where(Finding.visit_id == visit.id, Finding.manual.is_(False),
                                                Finding.issue_id.is_(None)))
    made = [Finding(visit_id=visit.id, rule=d.rule, question_key=d.question_key, category=d.category,
                    severity=d.severity, hall_level=d.hall_level, title_zh=d.title_zh,
                    title_en=d.title_en, params=d.params, state=FindingState.PROPOSED)
            for d in evaluate(visit)]
    db.session.add_all(made)
    db.session.flush()
    return made


def of_visit(visit: Visit) -> list[Finding]:
    """The visit's findings, most severe first."""
    rows = db.session.scalars(sa.select(Finding).where(Finding.visit_id == visit.id).order_by(Finding.id))
    return sorted(rows, key=lambda f: -f.severity.rank)
