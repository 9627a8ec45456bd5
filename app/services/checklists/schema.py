"""The shape of a checklist template, validated strictly (pydantic models).

A template file has a ``key``, a ``version``, Chinese and English labels, and sections of
questions (types in QUESTION_TYPES); a finding's named rule must fit the question's type
(``guide_rules.GUIDE_RULES``, read when a template is validated). A problem names the
question key and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from flask_babel import get_locale
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.models import Category, Severity
from app.services.checklists.guide_rules import GUIDE_RULES

QUESTION_TYPES = ("yesno", "single", "multi", "scale", "number", "text", "textarea", "materials",
                  "photo", "timer")
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
TemplateKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,49}$")]
Value = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,50}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(Strict):
    """A label in both languages."""

    zh: Label
    en: Label

    def get(self) -> str:
        """The label in the current UI language."""
        return self.en if str(get_locale()) == "en" else self.zh


class Option(Strict):
    value: Value
    label: Text


class ShowIf(Strict):
    """Show a question only when an earlier one has a value (``equals``) or one of (``in``)."""

    question: Key
    equals: bool | float | str | None = None
    in_: list[bool | float | str] | None = Field(default=None, alias="in")

    @model_validator(mode="after")
    def _one_condition(self) -> ShowIf:
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("show_if needs exactly one of 'equals' or 'in'")
        return self

    def accepted(self) -> list[Any]:
        return [self.equals] if self.in_ is None else list(self.in_)

    def holds(self, value: Any) -> bool:
        """Whether an answer ``value`` of the referenced question satisfies the condition."""
        if isinstance(value, list):
            return any(v in self.accepted() for v in value)
        return value in self.accepted()


CATEGORIES = tuple(category.value for category in Category)
SEVERITIES = tuple(severity.value for severity in Severity)


def _registered(value: Any, names: Iterable[str]) -> Any:
    """``value`` if it is one of ``names`` (a registry's), else the error a Literal would give."""
    names = list(names)
    if value in names:
        return value
    quoted = [repr(name) for name in names]
    expected = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})


class Condition(Strict):
    """When an answer makes a finding: equals, in, includes (multi), at_least, at_most."""

    equals: bool | float | str | None = None
    in_: list[bool | float | str] | None = Field(default=None, alias="in")
    includes: Value | None = None
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Condition:
        given = [v for v in (self.equals, self.in_, self.includes, self.at_least, self.at_most) if v is not None]
        if len(given) != 1:
            raise ValueError("a finding's 'when' needs exactly one of equals, in, includes, at_least, at_most")
        return self

    def holds(self, value: Any) -> bool:
        if value is None:
            return False
        if self.includes is not None:
            return isinstance(value, list) and self.includes in value
        if self.at_least is not None or self.at_most is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False
            return value >= self.at_least if self.at_least is not None else value <= self.at_most  # type: ignore[operator]
        accepted = [self.equals] if self.in_ is None else self.in_
        return value in accepted


class FindingRule(Strict):
    """A finding declared beside its question: an answer condition, or a rule over the guide."""

    when: Condition | None = None
    #: A rule registered in guide_rules.GUIDE_RULES.
    rule: str | None = None
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    severity: Literal[SEVERITIES] | None = None  # type: ignore[valid-type]
    #: About the hall itself (signage, environment), not a window.
    hall_level: bool = False
    title: Text

    @field_validator("rule", mode="before")
    @classmethod
    def _known_rule(cls, value: Any) -> Any:
        return value if value is None else _registered(value, GUIDE_RULES)

    @model_validator(mode="after")
    def _shape(self) -> FindingRule:
        if (self.when is None) == (self.rule is None):
            raise ValueError("a finding needs exactly one of 'when' or 'rule'")
        if self.when is not None and self.severity is None:
            raise ValueError("a finding with 'when' needs a severity")
        return self


class Question(Strict):
    key: Key
    type: Literal[QUESTION_TYPES]  # type: ignore[valid-type]
    label: Text
    help: Text | None = None
    required: bool = False
    options: list[Option] | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    max_length: int | None = Field(default=None, ge=1, le=10000)
    min_label: Text | None = None
    max_label: Text | None = None
    show_if: ShowIf | None = None
    findings: list[FindingRule] | None = None

    @model_validator(mode="after")
    def _fits_type(self) -> Question:
        for check in _TYPE_CHECKS:
            check(self)
        return self

    @property
    def scale_range(self) -> range:
        return range(int(self.min if self.min is not None else 1), int(self.max if self.max is not None else 5) + 1)

    def option_values(self) -> list[str]:
        return [o.value for o in self.options or []]


def _check_findings(question: Question) -> None:
    """Each finding's rule fits the question's type, and so does its condition."""
    for finding in question.findings or []:
        if finding.rule is not None and question.type not in GUIDE_RULES[finding.rule].fits:
            raise ValueError(f"the rule {finding.rule} does not fit a {question.type} question")
        if finding.when is not None:
            _check_finding_condition(question.type, finding.when, question)


def _check_options(question: Question) -> None:
    """Single and multi questions have options with unique values; no other type has any."""
    kind = question.type
    if kind not in ("single", "multi"):
        if question.options is not None:
            raise ValueError(f"a {kind} question takes no options")
        return
    if not question.options:
        raise ValueError(f"a {kind} question needs options")
    values = question.option_values()
    if len(set(values)) != len(values):
        raise ValueError("option values must be unique")


def _check_range(question: Question) -> None:
    """min, max and step belong to number and scale questions; a scale runs over whole numbers."""
    kind, low, high = question.type, question.min, question.max
    if kind == "scale":
        low, high = low if low is not None else 1, high if high is not None else 5
        if not (low == int(low) and high == int(high) and 0 <= low < high <= 10):
            raise ValueError("a scale runs between whole numbers, 0 <= min < max <= 10")
    elif kind != "number" and (low is not None or high is not None or question.step is not None):
        raise ValueError(f"min, max and step are for number and scale questions, not {kind}")
    if question.min is not None and question.max is not None and question.min > question.max:
        raise ValueError("min is larger than max")


def _check_extras(question: Question) -> None:
    """max_length, the scale's end labels and ``required`` only where the type takes them."""
    kind = question.type
    if question.max_length is not None and kind not in ("text", "textarea"):
        raise ValueError("max_length is for text questions")
    if (question.min_label or question.max_label) and kind != "scale":
        raise ValueError("min_label and max_label are for scale questions")
    if question.required and kind in ("timer", "photo", "materials"):
        raise ValueError(f"a {kind} question cannot be required")


#: The checks of a question against its type, in the order their messages take precedence.
_TYPE_CHECKS = (_check_findings, _check_options, _check_range, _check_extras)


def _check_finding_condition(kind: str, when: Condition, question: Question) -> None:
    if kind in ("timer", "photo", "materials", "text", "textarea"):
        raise ValueError(f"a {kind} question cannot carry a 'when' finding")
    if when.includes is not None and kind != "multi":
        raise ValueError("'includes' is for multi questions")
    if (when.at_least is not None or when.at_most is not None) and kind not in ("number", "scale"):
        raise ValueError("'at_least' and 'at_most' are for number and scale questions")
    values = [when.equals] if when.equals is not None else (when.in_ or []) + ([when.includes] if when.includes else [])
    for value in values:
        if kind == "yesno" and not isinstance(value, bool):
            raise ValueError("a yes/no finding compares with true or false")
        if kind in ("single", "multi") and value not in question.option_values():
            raise ValueError(f"'{value}' is not an option")


class Section(Strict):
    key: Key
    title: Text
    questions: list[Question] = Field(min_length=1)


class Template(Strict):
    key: TemplateKey
    version: int = Field(ge=1)
    title: Text
    description: Text | None = None
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _cross_checks(self) -> Template:
        seen: dict[str, Question] = {}
        section_keys: set[str] = set()
        for section in self.sections:
            if section.key in section_keys:
                raise ValueError(f"section '{section.key}': the key is used twice")
            section_keys.add(section.key)
            for question in section.questions:
                if question.key in seen:
                    raise QuestionProblem(question.key, "the key is used twice")
                if question.show_if is not None:
                    _check_condition(question, seen)
                seen[question.key] = question
        return self

    def questions(self) -> Iterable[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                          sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


class QuestionProblem(ValueError):
    """A cross-question problem, carrying the question's key for the message."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"question '{key}': {problem}")


def _check_condition(question: Question, earlier: Mapping[str, Question]) -> None:
    condition = question.show_if
    assert condition is not None
    target = earlier.get(condition.question)
    if target is None:
        raise QuestionProblem(question.key, f"show_if refers to '{condition.question}', "
                                            "which is not an earlier question")
    for value in condition.accepted():
        if target.type == "yesno" and not isinstance(value, bool):
            raise QuestionProblem(question.key, f"show_if: '{target.key}' is yes/no, so compare with true or false")
        if target.type in ("single", "multi") and value not in target.option_values():
            raise QuestionProblem(question.key, f"show_if: '{value}' is not an option of '{target.key}'")
        if target.type in ("number", "scale") and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise QuestionProblem(question.key, f"show_if: '{target.key}' takes numbers")
        if target.type in ("timer", "photo", "materials", "text", "textarea"):
            raise QuestionProblem(question.key, f"show_if cannot depend on a {target.type} question")
