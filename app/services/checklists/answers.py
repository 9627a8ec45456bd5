"""Answers to a checklist: which questions show, cleaning the phone's values, validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services.checklists.schema import Question, Template
from app.services.errors import ServiceError

#: The longest answer to a text question that declares no max_length.
TEXT_MAX_LENGTH = 2000


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
