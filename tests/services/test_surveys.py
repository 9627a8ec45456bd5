"""Checklist templates: the shipped ones load, and each kind of broken one is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.services import checklists
from app.services.errors import ServiceError

SHIPPED = Path(__file__).resolve().parents[2] / "surveys"


def test_shipped_templates_load() -> None:
    templates = checklists.load_folder(SHIPPED)
    template = templates[("window-visit", 2)]
    assert len(template.sections) == 19
    types = {q.type for q in template.questions()}
    assert types == set(checklists.QUESTION_TYPES)
    assert all(q.label.zh and q.label.en for q in template.questions())


def minimal(**question) -> dict:
    q = {"key": "q1", "type": "yesno", "label": {"zh": "问题", "en": "Question"}}
    q.update(question)
    return {"key": "t", "version": 1, "title": {"zh": "标题", "en": "Title"},
            "sections": [{"key": "s", "title": {"zh": "节", "en": "Section"}, "questions": [q]}]}


def write(tmp_path: Path, data: dict | str, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def refused(tmp_path: Path, data: dict | str) -> str:
    with pytest.raises(checklists.SurveyError) as caught:
        checklists.load_file(write(tmp_path, data))
    message = caught.value.message
    assert "broken.yaml" in message
    return message


def with_second(question: dict, first: dict | None = None) -> dict:
    data = minimal(**(first or {}))
    data["sections"][0]["questions"].append(question)
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (minimal(type="slider"), "question 'q1': type"),
        (minimal(label={"zh": "只有中文"}), "question 'q1': label.en"),
        (minimal(type="single"), "question 'q1': a single question needs options"),
        (minimal(type="single", options=[{"value": "a", "label": {"zh": "甲", "en": "A"}},
                                         {"value": "a", "label": {"zh": "乙", "en": "B"}}]), "option values must be unique"),
        (minimal(type="number", min=5, max=1), "question 'q1': min is larger than max"),
        (minimal(type="scale", min=1, max=20), "a scale runs between whole numbers"),
        (minimal(colour="red"), "question 'q1': colour"),
        (minimal(key="Bad Key"), "key"),
        (minimal(type="timer", required=True), "a timer question cannot be required"),
        (minimal(max_length=10), "max_length is for text questions"),
        (with_second({"key": "q1", "type": "text", "label": {"zh": "再", "en": "Again"}}), "question 'q1': the key is used twice"),
        (with_second({"key": "q2", "type": "text", "label": {"zh": "乙", "en": "B"},
                      "show_if": {"question": "nope", "equals": True}}), "question 'q2': show_if refers to 'nope'"),
        (with_second({"key": "q2", "type": "text", "label": {"zh": "乙", "en": "B"},
                      "show_if": {"question": "q1", "equals": "yes"}}), "question 'q2': show_if: 'q1' is yes/no"),
        (with_second({"key": "q2", "type": "text", "label": {"zh": "乙", "en": "B"},
                      "show_if": {"question": "q1"}}), "exactly one of 'equals' or 'in'"),
        ({"key": "t", "version": 0, "title": {"zh": "标", "en": "T"}, "sections": []}, "version"),
        ("key: t\nversion: [1\n", "cannot be read as YAML"),
        ("- just\n- a list\n", "must hold a mapping"),
    ],
)
def test_broken_templates_name_file_question_and_problem(tmp_path, data, expected) -> None:
    assert expected in refused(tmp_path, data)


def test_condition_must_point_backwards(tmp_path) -> None:
    data = minimal(show_if={"question": "q2", "equals": True})
    data["sections"][0]["questions"].append({"key": "q2", "type": "yesno", "label": {"zh": "乙", "en": "B"}})
    assert "not an earlier question" in refused(tmp_path, data)


def test_same_version_twice_in_a_folder(tmp_path) -> None:
    write(tmp_path, minimal(), "a.yaml")
    write(tmp_path, minimal(), "b.yaml")
    with pytest.raises(checklists.SurveyError, match="defined twice"):
        checklists.load_folder(tmp_path)


def test_empty_folder(tmp_path) -> None:
    with pytest.raises(checklists.SurveyError, match="no checklist template"):
        checklists.load_folder(tmp_path)


def test_app_refuses_to_start_with_a_broken_template(tmp_path) -> None:
    from app import create_app
    from config import TestingConfig

    write(tmp_path, minimal(type="slider"))
    config = type("C", (TestingConfig,), {"SURVEYS_PATH": str(tmp_path), "SURVEY_DEFAULT": "t"})
    with pytest.raises(checklists.SurveyError, match="question 'q1'"):
        create_app(config, instance_path=tmp_path / "i", environ={})


@pytest.fixture
def template():
    return checklists.load_folder(SHIPPED)[("window-visit", 2)]


def test_conditional_questions(template) -> None:
    keys = {q.key for q in checklists.visible(template, {"signage_found": True})}
    assert "people_asked" not in keys
    keys = {q.key for q in checklists.visible(template, {"signage_found": False})}
    assert "people_asked" in keys
    keys = {q.key for q in checklists.visible(template, {"outcome": "refused"})}
    assert "refusal_reason_written" in keys
    assert "refusal_reason_written" not in {q.key for q in checklists.visible(template, {"outcome": "completed"})}


def test_clean_answers_drops_hidden_and_checks_types(template) -> None:
    cleaned = checklists.clean_answers(template, {
        "signage_found": True, "people_asked": 4, "attitude_score": 3.0, "behaviours": ["eating", "phone"],
        "not_done_well": "  慢  "})
    assert cleaned == {"signage_found": True, "attitude_score": 3, "behaviours": ["phone", "eating"],
                       "not_done_well": "慢"}
    for bad in ({"signage_found": "yes"}, {"first_contact": "bribe"}, {"behaviours": "phone"},
                {"people_ahead": "many"}, {"rude_quote": 5, "rude_language": True}):
        with pytest.raises(ServiceError):
            checklists.clean_answers(template, bad)


def test_problems_required_ranges_lengths(template) -> None:
    found = checklists.problems(template, {"signage_found": False, "people_asked": 31, "fee_asked": True})
    assert {"help_desk_staffed", "window_staffed", "attitude_score", "people_asked", "fee_amount",
            "fee_item"} <= set(found)
    assert "fee_amount" not in checklists.problems(template, {"fee_asked": False})
    long_quote = {"rude_language": True, "rude_quote": "骂" * 301}
    assert "rude_quote" in checklists.problems(template, long_quote)


def test_a_stored_version_is_parsed_once_per_process(seeded) -> None:
    from app.models import SurveyVersion
    from app.services.checklists import versions

    with seeded.app_context():
        template = checklists.registry().current()
        stored = versions.snapshot(template)
        first = versions.stored_template(stored)
        assert versions.stored_template(stored) is first and first.sha256() == template.sha256()
        other = SurveyVersion(key=stored.key, version=stored.version + 1, sha256="0" * 64,
                              definition={**stored.definition, "version": stored.version + 1})
        assert versions.stored_template(other) is not first
        assert versions.stored_template(other).version == stored.version + 1
