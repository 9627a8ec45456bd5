"""Answers to a checklist: which questions show, cleaning the phone's values, validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from app.services.checklists.schema import Question, Template


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
        if not question.kind.answered:
            continue  # stored elsewhere (marks, requested materials, photos)
        value = answers.get(question.key)
        if value in (None, "", []):
            continue
        cleaned[question.key] = question.kind.coerce(question, value)
    return cleaned


def problems(template: Template, answers: Mapping[str, Any]) -> dict[str, str]:
    """Validation of cleaned answers: required questions, ranges, lengths (key -> message)."""
    found: dict[str, str] = {}
    for question in visible(template, answers):
        value = answers.get(question.key)
        if question.required and value in (None, "", []):
            found[question.key] = _("Please answer this question.")
        elif (problem := question.kind.problem(question, value)) is not None:
            found[question.key] = problem
    return found
