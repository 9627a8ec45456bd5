"""Helpers shared by the forms of several areas."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from app.services import guides
from app.services.errors import ServiceError


def choices(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs, as the catalogue services give them, as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach_error(form: FlaskForm, exc: ServiceError) -> None:
    """Show a service's refusal beside the field it concerns (or above the form)."""
    problems = exc.problems if isinstance(exc, guides.GuideInvalid) else [
        guides.Problem(exc.field or "", exc.message)]
    for problem in problems:
        target = getattr(form, problem.field, None) if problem.field else None
        if target is not None and problem.index is not None and hasattr(target, "entries"):
            entries = [e for e in target.entries if e.form.name.data and not e.form.remove.data]
            target = entries[problem.index].form.name if problem.index < len(entries) else None
        if target is not None and hasattr(target, "errors") and isinstance(target.errors, list):
            target.errors.append(problem.message)
        else:
            form.form_errors.append(problem.message)
