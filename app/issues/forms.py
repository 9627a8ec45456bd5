"""Forms of the issues area (units' answers, leaders' decisions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.formtools import MultiCheckboxField, id_value
from app.models import ContestKind


def optional_id(value: object) -> int | None:
    """``coerce`` for a select of ids with an empty choice: None for it, else ``id_value``."""
    return None if value in (None, "", "None") else id_value(value)

REQUIRED = _l("This field is required.")

#: The phone offers its camera and photo library for evidence (the server still checks the files).
EVIDENCE_INPUT = {"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"}


class ReportForm(FlaskForm):
    measures = TextAreaField(_l("Measures taken"), validators=[DataRequired(REQUIRED), Length(max=2000)])
    evidence = MultipleFileField(_l("Evidence photos"), description=_l("Up to 10 photos (JPEG, PNG, WebP, HEIC)."),
                                 render_kw=EVIDENCE_INPUT)


class ExplainForm(FlaskForm):
    explanation = TextAreaField(_l("Explanation (解释说明)"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class ExtensionForm(FlaskForm):
    days = IntegerField(_l("Extra working days"), validators=[InputRequired(REQUIRED), NumberRange(1, 60)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class _Prefixed(FlaskForm):
    """A form whose fields are named ``<PREFIX>-<field>``: several forms of one page have the
    same field names (reason, note, evidence), and their ids must differ."""

    PREFIX = ""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, prefix=self.PREFIX, **kwargs)  # type: ignore[arg-type]


class ContestForm(_Prefixed):
    PREFIX = "contest"

    kind = RadioField(_l("Why we contest"), validators=[InputRequired(REQUIRED)],
                      choices=[SelectChoice(ContestKind.NOT_OUR_DUTY.value, _l("Not our duty")),
                               SelectChoice(ContestKind.WRONG_FINDING.value, _l("The finding is wrong"))])
    proposed_unit_id = SelectField(_l("The unit responsible, in our view"), coerce=optional_id,
                                   validators=[Optional()],
                                   description=_l("Needed when it is not our duty."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=2000)])
    evidence = MultipleFileField(_l("Evidence photos"), description=_l("Up to 10 photos (JPEG, PNG, WebP, HEIC)."),
                                 render_kw=EVIDENCE_INPUT)


class TransferForm(_Prefixed):
    PREFIX = "transfer"

    unit_id = SelectField(_l("Transfer to"), coerce=id_value, validators=[InputRequired(REQUIRED)])
    deadline = DateField(_l("Deadline"), validators=[InputRequired(REQUIRED)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class DismissForm(_Prefixed):
    PREFIX = "dismiss"

    note = TextAreaField(_l("Why the finding is dismissed"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class RejectForm(_Prefixed):
    PREFIX = "reject"

    note = TextAreaField(_l("Why the contest is rejected"), validators=[DataRequired(REQUIRED), Length(max=2000)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


#: The re-visit form's choice to draw the inspector at random (双随机).
DRAW = "draw"


class RevisitForm(FlaskForm):
    inspector_id = SelectField(_l("Inspector for the re-visit"), validators=[InputRequired(REQUIRED)], default=DRAW,
                               description=_l("Drawn at random among those who found none of these issues and "
                                              "have no conflict of interest, unless you choose one."))
    also_ids = MultiCheckboxField(_l("Verify in the same re-visit"), coerce=id_value)
    due_date = DateField(_l("Visit by"), validators=[Optional()])

    def inspector(self) -> int | None:
        """The chosen inspector's id, or None to draw one."""
        return None if self.inspector_id.data == DRAW else int(self.inspector_id.data)


class SettingsForm(FlaskForm):
    lead_unit_id = SelectField(_l("Lead unit"), coerce=id_value, validators=[InputRequired(REQUIRED)])
    supporting_unit_ids = SelectMultipleField(_l("Supporting units"), coerce=id_value, validators=[Optional()])
    severity = SelectField(_l("Severity"), validators=[DataRequired(REQUIRED)])
    rectification_type = SelectField(_l("Rectification type"), validators=[DataRequired(REQUIRED)])
    deadline = DateField(_l("Deadline"), validators=[InputRequired(REQUIRED)])
