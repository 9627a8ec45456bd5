"""The 发文字号 form beside a document's download buttons: a leader records the serial the
office's register gave the document (``reports.numbers``), then is sent back to the page."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField

from app.formtools import save_form
from app.services import calendar, reports


class NumberForm(FlaskForm):
    """The serial alone (the service says what is wrong with it)."""

    serial = StringField(_l("Serial number"))


class PeriodNumberForm(NumberForm):
    """The serial of a period's 通报, with the period's first and last day."""

    start = HiddenField()
    end = HiddenField()


def blank(form_class: type[NumberForm] = NumberForm) -> NumberForm:
    """A form showing what is recorded (not what another form on the page sent)."""
    return form_class(formdata=None)


def save(form: NumberForm, subject: Callable[[], str], back: str) -> Response | None:
    """Record the serial for the document ``subject()`` names (its refusals are the form's) and
    redirect to ``back``; None when refused, the form holding why and nothing written."""
    return save_form(form, lambda: reports.numbers.record(subject(), form.serial.data, current_user,
                                                          calendar.china_today()),
                     _("Document number recorded."), lambda _row: back)
