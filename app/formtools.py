"""Helpers shared by the forms of several areas."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from app.args import ID_MAX
from app.extensions import db
from app.services import catalogue
from app.services.errors import ServiceError


def id_value(value: object) -> int:
    """``coerce`` for a select of ids: a row id within the database's range, else ValueError
    (which WTForms reports as an invalid choice)."""
    number = int(str(value)) if str(value).isascii() and str(value).lstrip("-").isdigit() and len(str(value)) <= 11 \
        else None
    if number is None or not 0 <= number <= ID_MAX:
        raise ValueError(value)
    return number


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of check boxes (easier than a multi-select on a tablet)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def form_status(refused: bool = True) -> int:
    """The status of a page showing a form: 422 when it shows a sent form again because it was
    refused (``refused`` says so where the page can also show a success), else 200."""
    return 422 if request.method == "POST" and refused else 200


def choices(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs, as the catalogue services give them, as select options."""
    return [SelectChoice(value, label) for value, label in pairs]


def attach_error(form: FlaskForm, exc: ServiceError) -> None:
    """Show a service's refusal beside the field it concerns (or above the form)."""
    problems = exc.problems if isinstance(exc, catalogue.GuideInvalid) else [
        catalogue.Problem(exc.field or "", exc.message)]
    for problem in problems:
        target = getattr(form, problem.field, None) if problem.field else None
        if target is not None and problem.index is not None and hasattr(target, "entries"):
            entries = [e for e in target.entries if e.form.name.data and not e.form.remove.data]
            target = entries[problem.index].form.name if problem.index < len(entries) else None
        if target is not None and hasattr(target, "errors") and isinstance(target.errors, list):
            target.errors.append(problem.message)
        else:
            form.form_errors.append(problem.message)


def save_form(form: FlaskForm, save: Callable[[], object], message: str,
              next_url: Callable[[object], str]) -> Response | None:
    """Validate, call the service, commit and redirect; on refusal roll back and show why."""
    if not form.validate_on_submit():
        return None
    try:
        obj = save()
    except ServiceError as exc:
        db.session.rollback()
        attach_error(form, exc)
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(next_url(obj))
