"""Forms of the leaders' area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.formtools import id_value

REQUIRED = _l("This field is required.")


class AssignmentForm(FlaskForm):
    inspector_id = SelectField(_l("Inspector"), coerce=id_value, validators=[InputRequired(REQUIRED)])
    window_id = SelectField(_l("Window"), coerce=id_value, validators=[InputRequired(REQUIRED)])
    service_item_id = SelectField(_l("Service item"), coerce=id_value, validators=[Optional()],
                                  description=_l("Optional: the matter to go through."))
    persona = StringField(_l("Cover story"), validators=[Optional(), Length(max=200)],
                          description=_l("e.g. 个体经营者，想开一家餐饮店"))
    due_date = DateField(_l("Visit by"), validators=[Optional()])
    note = TextAreaField(_l("Note for the inspector"), validators=[Optional(), Length(max=500)])


class ManualFindingForm(FlaskForm):
    title = StringField(_l("Finding"), validators=[DataRequired(REQUIRED), Length(max=200)])
    category = SelectField(_l("Category"), validators=[DataRequired(REQUIRED)])
    severity = SelectField(_l("Severity"), validators=[DataRequired(REQUIRED)])
    detail = TextAreaField(_l("Detail"), validators=[Optional(), Length(max=1000)])
    hall_level = BooleanField(_l("About the hall, not a window"))
