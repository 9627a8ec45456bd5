"""Checklist templates: YAML files in surveys/, validated strictly, versioned and pinned.

A template file has a ``key``, a ``version``, Chinese and English labels, and sections of
questions (types in QUESTION_TYPES). Files are validated when the app starts and by
``flask surveys check``; a problem names the file, the question key and what is wrong.
A visit is pinned to the key and version it began with: the definition is copied into
the database (SurveyVersion) the first time a version is used, so editing a file never
changes past visits — and editing it without raising the version is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import click
import sqlalchemy as sa
import yaml
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from app.extensions import db
from app.models import SurveyVersion
from app.services.errors import ServiceError

#: The longest answer to a text question that declares no max_length.
TEXT_MAX_LENGTH = 2000
QUESTION_TYPES = ("yesno", "single", "multi", "scale", "number", "text", "textarea", "materials",
                  "photo", "timer")
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,49}$")]
TemplateKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,49}$")]
Value = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,50}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class SurveyError(click.ClickException):
    """A template file is broken. A ClickException, so that `flask ...` prints it plainly."""


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


#: Rules over the service guide (or the hall) that a question can carry, and the types they fit.
GUIDE_RULES: dict[str, tuple[str, ...]] = {
    "extra_materials": ("materials",),
    "abolished_or_shared_materials": ("materials",),
    "wait_thresholds": ("timer",),
    "over_promised_days": ("number",),
    "over_statutory_days": ("number",),
    "over_max_trips": ("number",),
    "fee_not_in_rule": ("number",),
}
CATEGORIES = ("materials", "efficiency", "attitude", "discipline", "notification", "fees",
              "integration", "environment", "other")
SEVERITIES = ("low", "medium", "high", "critical")


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
    rule: Literal[tuple(GUIDE_RULES)] | None = None  # type: ignore[valid-type]
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    severity: Literal[SEVERITIES] | None = None  # type: ignore[valid-type]
    #: About the hall itself (signage, environment), not a window.
    hall_level: bool = False
    title: Text

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
        kind = self.type
        for finding in self.findings or []:
            if finding.rule is not None and kind not in GUIDE_RULES[finding.rule]:
                raise ValueError(f"the rule {finding.rule} does not fit a {kind} question")
            if finding.when is not None:
                _check_finding_condition(kind, finding.when, self)
        if kind in ("single", "multi"):
            if not self.options:
                raise ValueError(f"a {kind} question needs options")
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise ValueError("option values must be unique")
        elif self.options is not None:
            raise ValueError(f"a {kind} question takes no options")
        if kind == "scale":
            low, high = self.min if self.min is not None else 1, self.max if self.max is not None else 5
            if not (low == int(low) and high == int(high) and 0 <= low < high <= 10):
                raise ValueError("a scale runs between whole numbers, 0 <= min < max <= 10")
        elif kind != "number" and (self.min is not None or self.max is not None or self.step is not None):
            raise ValueError(f"min, max and step are for number and scale questions, not {kind}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        if self.max_length is not None and kind not in ("text", "textarea"):
            raise ValueError("max_length is for text questions")
        if (self.min_label or self.max_label) and kind != "scale":
            raise ValueError("min_label and max_label are for scale questions")
        if self.required and kind in ("timer", "photo", "materials"):
            raise ValueError(f"a {kind} question cannot be required")
        return self

    @property
    def scale_range(self) -> range:
        return range(int(self.min if self.min is not None else 1), int(self.max if self.max is not None else 5) + 1)

    def option_values(self) -> list[str]:
        return [o.value for o in self.options or []]


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


# --- Loading ------------------------------------------------------------------------------------


def _describe(raw: Any, loc: tuple) -> str:
    """Turn a pydantic error location into 'question "key"' or 'section "key"' where possible."""
    where = "template"
    node = raw
    for index, part in enumerate(loc):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            break
        if isinstance(node, dict) and "key" in node and index > 0:
            kind = "question" if loc[index - 1] == "questions" else "section"
            where = f"{kind} '{node.get('key')}'"
    field = ".".join(str(p) for p in loc if not isinstance(p, int) and p not in ("sections", "questions"))
    return f"{where}{': ' + field if field else ''}"


def _display_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def load_file(path: Path) -> Template:
    """Read and validate one template file; raise SurveyError naming file, question and problem."""
    name = _display_name(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SurveyError(f"{name}: cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SurveyError(f"{name}: template: the file must hold a mapping with key, version and sections")
    try:
        return Template.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if message.startswith("question '"):
                problems.append(message)
            else:
                problems.append(f"{_describe(raw, tuple(error['loc']))}: {message}")
        raise SurveyError(f"{name}: " + f"\n{name}: ".join(problems)) from exc


def load_folder(folder: Path) -> dict[tuple[str, int], Template]:
    """Every template in ``folder`` (*.yaml, *.yml), keyed by (key, version)."""
    templates: dict[tuple[str, int], Template] = {}
    errors = []
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    for path in files:
        try:
            template = load_file(path)
        except SurveyError as exc:
            errors.append(exc.message)
            continue
        ident = (template.key, template.version)
        if ident in templates:
            errors.append(f"{_display_name(path)}: template: {template.key} version {template.version} "
                          "is defined twice")
        templates[ident] = template
    if errors:
        raise SurveyError("\n".join(errors))
    if not templates:
        raise SurveyError(f"{_display_name(folder)}: no checklist template (*.yaml) found")
    return templates


class Registry:
    """The templates of one app, loaded at start-up."""

    def __init__(self, templates: dict[tuple[str, int], Template], default_key: str) -> None:
        self.templates = templates
        if not any(key == default_key for key, _v in templates):
            raise SurveyError(f"no checklist template has the key '{default_key}' (SURVEY_DEFAULT)")
        self.default_key = default_key

    def current(self, key: str | None = None) -> Template:
        """The highest version of ``key`` (default: the default template)."""
        key = key or self.default_key
        versions = [t for (k, _v), t in self.templates.items() if k == key]
        if not versions:
            raise ServiceError(f"unknown checklist template {key}")
        return max(versions, key=lambda t: t.version)


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """Load and validate the templates when the app is created."""
    folder = Path(app.config.get("SURVEYS_PATH") or Path(app.root_path).parent / "surveys")
    app.extensions["ruwo_surveys"] = Registry(load_folder(folder), app.config["SURVEY_DEFAULT"])


def registry() -> Registry:
    return current_app.extensions["ruwo_surveys"]


# --- Pinning versions ----------------------------------------------------------------------------


def snapshot(template: Template) -> SurveyVersion:
    """The stored copy of ``template`` (made on first use); refuse a changed file, same version."""
    stored = db.session.scalar(sa.select(SurveyVersion).where(
        SurveyVersion.key == template.key, SurveyVersion.version == template.version))
    if stored is None:
        stored = SurveyVersion(key=template.key, version=template.version, sha256=template.sha256(),
                               definition=json.loads(template.canonical_json()))
        db.session.add(stored)
        db.session.flush()
    elif stored.sha256 != template.sha256():
        raise ServiceError(
            f"checklist {template.key} version {template.version} was changed after visits used it; "
            "give the changed file a new version number")
    return stored


def stored_template(version: SurveyVersion) -> Template:
    """The template a visit is pinned to, from its stored copy (never the file)."""
    return Template.model_validate(version.definition)


def drifted(templates: Iterable[Template]) -> list[str]:
    """Files whose content differs from the stored copy of the same key and version."""
    problems = []
    for template in templates:
        stored = db.session.scalar(sa.select(SurveyVersion.sha256).where(
            SurveyVersion.key == template.key, SurveyVersion.version == template.version))
        if stored is not None and stored != template.sha256():
            problems.append(f"{template.key} version {template.version}: changed after visits used it; "
                            "raise the version number")
    return problems


# --- Answers ------------------------------------------------------------------------------------


def visible(template: Template, answers: Mapping[str, Any]) -> list[Question]:
    """The questions shown for ``answers`` (a question whose condition fails is hidden)."""
    shown: list[Question] = []
    shown_keys: set[str] = set()
    for question in template.questions():
        condition = question.show_if
        if condition is None or (condition.question in shown_keys and condition.holds(answers.get(condition.question))):
            shown.append(question)
            shown_keys.add(question.key)
    return shown


def clean_answers(template: Template, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers of visible, answerable questions only, with values of the right type.

    Raises ServiceError(field=key) for a value of the wrong kind (a tampered payload).
    """
    cleaned: dict[str, Any] = {}
    for question in visible(template, answers):
        if question.type in ("timer", "materials", "photo"):
            continue  # stored elsewhere (marks, requested materials, photos)
        value = answers.get(question.key)
        if value in (None, "", []):
            continue
        cleaned[question.key] = _coerce(question, value)
    return cleaned


def _coerce(question: Question, value: Any) -> Any:
    bad = ServiceError(f"bad value for {question.key}", field=question.key)
    kind = question.type
    if kind == "yesno":
        if not isinstance(value, bool):
            raise bad
        return value
    if kind == "single":
        if value not in question.option_values():
            raise bad
        return value
    if kind == "multi":
        if not isinstance(value, list) or any(v not in question.option_values() for v in value):
            raise bad
        return sorted(set(value), key=question.option_values().index)
    if kind in ("number", "scale"):
        if isinstance(value, bool):
            raise bad
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        if number != number or number in (float("inf"), float("-inf")):
            raise bad
        return int(number) if number.is_integer() else number
    if kind in ("text", "textarea"):
        if not isinstance(value, str):
            raise bad
        limit = question.max_length or TEXT_MAX_LENGTH
        if len(value.strip()) > limit:  # refused at autosave as at submit: nothing oversized is stored
            raise ServiceError(_l("Use at most %(n)d characters.", n=limit), field=question.key)
        return value.strip()
    raise bad  # pragma: no cover - every type is handled above


def problems(template: Template, answers: Mapping[str, Any]) -> dict[str, str]:
    """Validation of cleaned answers: required questions, ranges, lengths (key -> message)."""
    found: dict[str, str] = {}
    for question in visible(template, answers):
        value = answers.get(question.key)
        if question.required and value in (None, "", []):
            found[question.key] = _("Please answer this question.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            low = question.min if question.min is not None else (1 if question.type == "scale" else None)
            high = question.max if question.max is not None else (5 if question.type == "scale" else None)
            if (low is not None and value < low) or (high is not None and value > high):
                found[question.key] = _("Enter a number from %(low)s to %(high)s.",
                                        low=_number(low), high=_number(high))
        elif isinstance(value, str) and question.max_length and len(value) > question.max_length:
            found[question.key] = _("Use at most %(n)d characters.", n=question.max_length)
    return found


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else str(value)
