"""Question types and guide rules come from their registries: a new one needs no change elsewhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale, lazy_gettext
from pydantic import ValidationError

from app.extensions import db
from app.models import Category, Severity, Visit
from app.services import checklists, wording
from app.services.errors import ServiceError
from tests.factories import make_visit
from tests.test_visit_views import client_for

APP = Path(__file__).resolve().parents[2] / "app"
L = {"zh": "标签", "en": "Label"}
#: A template that asks for stars (a new type) and carries a new rule on them.
STARS = {
    "key": "stars", "version": 1, "title": {"zh": "星级", "en": "Stars"},
    "sections": [{"key": "s", "title": L, "questions": [
        {"key": "stars", "type": "stars", "label": {"zh": "星级", "en": "Stars"}, "required": True,
         "findings": [{"rule": "too_few_stars", "category": "attitude", "title": {"zh": "星太少", "en": "Few stars"}},
                      {"when": {"equals": 5}, "category": "other", "severity": "low",
                       "title": {"zh": "满星", "en": "All stars"}}]},
        {"key": "stars_note", "type": "text", "label": {"zh": "说明", "en": "Note"}},
    ]}],
}


def register_stars() -> None:
    """A type whose answer is 1 to 5 stars, and a rule finding too few of them."""

    @checklists.question_type("stars")
    class Stars(checklists.QuestionType):
        conditions = frozenset({"equals", "in"})
        partial = "visits/types/number.html"  # type: ignore[assignment]

        def coerce(self, question: checklists.Question, value: Any) -> Any:
            if isinstance(value, bool) or value not in (1, 2, 3, 4, 5):
                raise self.bad(question)
            return int(value)

        def display(self, question: checklists.Question, value: Any) -> str:
            return "★" * value

    @checklists.guide_rule("too_few_stars", fits=("stars",), detail=lazy_gettext("%(stars)s★"),
                           detail_from="stars_note")
    def too_few(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, dict[str, Any]]:
        stars = answers.get(key)
        return (Severity.HIGH, {"stars": str(stars)}) if stars is not None and stars <= 2 else (None, {})


@pytest.fixture
def stars(seeded, db):
    """The stars template as the app's default one, while the type and the rule are registered."""
    registry = checklists.registry()
    default = registry.default_key
    with checklists.temporary_registrations():
        register_stars()
        registry.templates[("stars", 1)] = checklists.Template.model_validate(STARS)
        registry.default_key = "stars"
        try:
            yield registry.templates[("stars", 1)]
        finally:
            registry.default_key = default
            del registry.templates[("stars", 1)]
    assert "stars" not in checklists.QUESTION_TYPES and "too_few_stars" not in checklists.GUIDE_RULES


def test_a_new_type_and_rule_make_a_finding(stars) -> None:
    visit = make_visit({"stars": 1, "stars_note": "很差"})
    assert visit.answers_dict() == {"stars": 1, "stars_note": "很差"}
    [draft] = checklists.evaluate(visit)
    assert (draft.rule, draft.question_key, draft.category, draft.severity, draft.params) == (
        "guide:too_few_stars", "stars", Category.ATTITUDE, Severity.HIGH, {"stars": "1", "note": "很差"})
    assert [f.rule for f in checklists.propose(visit)] == ["guide:too_few_stars"]
    with force_locale("zh_Hans"):
        assert [(f.title_zh, wording.finding_detail(f)) for f in checklists.of_visit(visit)] == [("星太少", "1★（很差）")]
    assert [d.title_zh for d in checklists.evaluate(make_visit({"stars": 5}))] == ["满星"]
    assert checklists.evaluate(make_visit({"stars": 3})) == []


def test_a_new_type_coerces_checks_and_shows(stars, seeded) -> None:
    with pytest.raises(ServiceError, match="bad value for stars"):
        make_visit({"stars": 7})
    assert checklists.problems(stars, {}) == {"stars": "请回答此问题。"}
    visit = make_visit({"stars": 2})
    db.session.commit()
    page = client_for(seeded, "inspector1").get(f"/visits/v/{visit.uuid}/checklist")
    assert page.status_code == 200
    assert 'data-type="stars"' in page.get_data(as_text=True) and 'name="q-stars"' in page.get_data(as_text=True)


def test_unregistered_names_are_refused_again(seeded) -> None:
    with pytest.raises(ValidationError, match="type\n  Input should be 'yesno'"):
        checklists.Template.model_validate(STARS)
    with checklists.temporary_registrations():
        register_stars()
        with pytest.raises(ValueError, match="registered twice"):
            register_stars()
        fee_on_stars = {**STARS["sections"][0]["questions"][0],
                        "findings": [{"rule": "fee_not_in_rule", "category": "fees", "title": L}]}
        with pytest.raises(ValidationError, match="the rule fee_not_in_rule does not fit a stars question"):
            checklists.Question.model_validate(fee_on_stars)


def test_every_type_has_its_partial_and_its_phone_code() -> None:
    script = (APP / "static" / "js" / "visit.js").read_text(encoding="utf-8")
    registry = script[script.index("var types = {"):]
    registry = registry[:registry.index("\n      };")]
    in_js = set(re.findall(r"^ {8}(\w+): \{", registry, flags=re.MULTILINE))
    assert in_js == set(checklists.QUESTION_TYPES)
    for kind in checklists.QUESTION_TYPES.values():
        assert (APP / "templates" / kind.partial).is_file(), kind.partial


def test_every_rule_fits_registered_types() -> None:
    for rule in checklists.GUIDE_RULES.values():
        assert rule.fits and set(rule.fits) <= set(checklists.QUESTION_TYPES), rule.name


def test_export_columns_and_cells(seeded, db) -> None:
    template = checklists.registry().current()
    cells = {}
    for question in template.questions():
        columns = question.kind.columns(question)
        exported = question.kind.export(question, None)
        assert len(columns) == len(exported)
        cells[question.key] = columns
    assert cells["signage_found"] == ["signage_found"] and cells["environment_photo"] == []
    behaviours = template.question("behaviours")
    assert behaviours is not None
    values = behaviours.option_values()
    assert behaviours.kind.columns(behaviours)[0] == f"behaviours.{values[0]}"
    assert behaviours.kind.export(behaviours, [values[1]])[:2] == ["", "1"]
    yesno = template.question("signage_found")
    assert yesno is not None and yesno.kind.export(yesno, False) == ["否"]
