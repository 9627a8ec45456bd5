"""The shape of a checklist template, validated strictly (pydantic models).

A template file has a ``key``, a ``version``, Chinese and English labels, and sections of
questions. What a question may hold depends on its type (``types.QUESTION_TYPES``), and a
finding's named rule must fit it (``guide_rules.GUIDE_RULES``); both are read from their
registries when a template is validated. A problem names the question key and what is wrong.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from flask_babel import get_locale
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.models import Category, Severity
from app.services.checklists.guide_rules import GUIDE_RULES
from app.services.checklists.types import QUESTION_TYPES, QuestionType

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

    def kinds(self) -> set[str]:
        """The one of equals, in, includes, at_least, at_most the condition uses."""
        given = {"equals": self.equals, "in": self.in_, "includes": self.includes, "at_least": self.at_least,
                 "at_most": self.at_most}
        return {kind for kind, value in given.items() if value is not None}

    def compared(self) -> list[Any]:
        """The values an answer is compared with (equals, in, includes)."""
        if self.equals is not None:
            return [self.equals]
        return (self.in_ or []) + ([self.includes] if self.includes else [])

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
    #: A type registered in types.QUESTION_TYPES.
    type: str
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

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, value: Any) -> Any:
        return _registered(value, QUESTION_TYPES)

    @model_validator(mode="after")
    def _fits_type(self) -> Question:
        """The findings fit the type first, then the type checks the rest of the definition."""
        for finding in self.findings or []:
            if finding.rule is not None and self.type not in GUIDE_RULES[finding.rule].fits:
                raise ValueError(f"the rule {finding.rule} does not fit a {self.type} question")
            if finding.when is not None:
                self.kind.check_when(finding.when, self)
        self.kind.check(self)
        return self

    @property
    def kind(self) -> QuestionType:
        """The question's type (its class in the registry)."""
        return QUESTION_TYPES[self.type]

    def option_values(self) -> list[str]:
        return [o.value for o in self.options or []]


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

    def photo_question(self) -> Question | None:
        """The first question that takes photos: where a photo taken from the timer goes."""
        return next((q for q in self.questions() if q.kind.photos), None)

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", by_alias=True), ensure_ascii=False,
                          sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        return self._content_sha256

    @functools.cached_property
    def _content_sha256(self) -> str:
        """Worked out once per template (a frozen model): every new draft compares it with its
        stored copy, and serialising the whole checklist costs more than the rest of the save."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Template:
        """A copy; one with changes works out its own hash (the cached one is the original's)."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied.__dict__.pop("_content_sha256", None)
        return copied


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
        problem = target.kind.show_if_problem(target, value)
        if problem:
            raise QuestionProblem(question.key, problem)
