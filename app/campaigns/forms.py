"""Forms of the campaign pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.formtools import MultiCheckboxField, id_value

REQUIRED = _l("This field is required.")


class CampaignForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)],
                       description=_l("e.g. 2026年第四季度“如我+”暗访"))
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(REQUIRED)],
                          description=_l("Inspectors see their assignments from this day, not before."))
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(REQUIRED)])
    survey = SelectField(_l("Checklist"), validators=[InputRequired(REQUIRED)])
    targets_wanted = IntegerField(_l("Targets to draw"), validators=[Optional(), NumberRange(min=1, max=10000)],
                                  description=_l("A random sample of this many targets from the pool; "
                                                 "leave empty to visit every target."))
    visits_per_target = IntegerField(_l("Visits per target"), default=1,
                                     validators=[InputRequired(REQUIRED), NumberRange(min=1, max=5)],
                                     description=_l("Each by a different inspector."))
    due_working_days = IntegerField(_l("Working days for a visit"), default=10,
                                    validators=[InputRequired(REQUIRED), NumberRange(min=1, max=60)])
    hall_window_ids = MultiCheckboxField(_l("Every window of these halls"), coerce=id_value)
    hall_ids = MultiCheckboxField(_l("These halls, one window drawn in each"), coerce=id_value)
    window_ids = MultiCheckboxField(_l("These windows"), coerce=id_value)
    service_item_ids = MultiCheckboxField(_l("These matters, at a window drawn among those serving them"),
                                          coerce=id_value)
    inspector_ids = MultiCheckboxField(_l("Inspectors to draw from"), coerce=id_value)


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Why"), validators=[DataRequired(REQUIRED), Length(max=500)])
