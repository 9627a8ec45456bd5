"""Administration forms. They check fields; rules involving other records live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from app.formtools import MultiCheckboxField, id_value
from app.models import HallKind, Role
from app.services.geo import CoordinateSystem

REQUIRED = _l("This field is required.")


def finite(_form, field) -> None:  # type: ignore[no-untyped-def]
    """Refuse NaN and infinity before any comparison (sNaN would raise in NumberRange)."""
    if field.data is not None and not field.data.is_finite():
        field.data = None
        raise StopValidation(_l("Enter a number."))
HALL_KINDS = [
    SelectChoice(HallKind.SERVICE_CENTRE.value, _l("Government service centre (政务服务大厅)")),
    SelectChoice(HallKind.TOWNSHIP.value, _l("Township convenience centre (乡镇便民服务中心)")),
    SelectChoice(HallKind.BANK.value, _l("Bank outlet (银行网点)")),
    SelectChoice(HallKind.OTHER.value, _l("Other")),
]
COORDINATE_SYSTEMS = [
    SelectChoice(CoordinateSystem.WGS84.value, _l("WGS-84 (GPS, phone)")),
    SelectChoice(CoordinateSystem.GCJ02.value, _l("GCJ-02 (AMap 高德, Tencent 腾讯)")),
    SelectChoice(CoordinateSystem.BD09.value, _l("BD-09 (Baidu 百度)")),
]
ROLES = [
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
    SelectChoice(Role.LEADER.value, _l("Inspection leader")),
    SelectChoice(Role.INSPECTOR.value, _l("Inspector")),
    SelectChoice(Role.UNIT.value, _l("Responsible unit")),
]


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=32)],
                       description=_l("Short and stable, e.g. market; used in account names (unit-market)."))
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    wecom_webhook = StringField(_l("WeCom group robot"), validators=[Length(max=300)],
                                description=_l("Optional: the webhook address of the unit's WeCom group robot; "
                                               "its notifications are posted there too."))


class HallForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=HALL_KINDS, validators=[DataRequired(REQUIRED)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    position = StringField(
        _l("Position"), validators=[Optional(), Length(max=60)],
        description=_l("Latitude and longitude, in either order, as the map shows them, "
                       "e.g. 115.4074,25.1378. Stored as WGS-84."),
    )
    coordinate_system = SelectField(_l("Copied from"), choices=COORDINATE_SYSTEMS,
                                    default=CoordinateSystem.WGS84.value)
    radius_m = IntegerField(_l("Radius (metres)"), default=300,
                            validators=[InputRequired(REQUIRED), NumberRange(10, 5000)],
                            description=_l("A visit farther than this from the position is marked."))
    wait_medium_min = IntegerField(_l("Wait that is a medium issue (minutes)"), default=30,
                                   validators=[InputRequired(REQUIRED), NumberRange(1, 600)])
    wait_high_min = IntegerField(_l("Wait that is a high issue (minutes)"), default=60,
                                 validators=[InputRequired(REQUIRED), NumberRange(1, 600)])


class WindowForm(FlaskForm):
    hall_id = SelectField(_l("Hall"), coerce=id_value, validators=[InputRequired(REQUIRED)])
    number = StringField(_l("Window number"), validators=[DataRequired(REQUIRED), Length(max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    unit_id = SelectField(_l("Run by unit"), coerce=id_value, validators=[InputRequired(REQUIRED)])
    comprehensive = BooleanField(_l("Comprehensive window (综合窗口) taking items of several units"))
    service_item_ids = MultiCheckboxField(_l("Service items"), coerce=id_value)


class MaterialForm(Form):
    name = StringField(_l("Material"), validators=[Optional(), Length(max=150)])
    condition = StringField(_l("When required"), validators=[Optional(), Length(max=200)])
    obtainable_by_sharing = BooleanField(_l("Obtainable by data sharing"))
    abolished = BooleanField(_l("Abolished"))
    remove = BooleanField(_l("Remove"))


class ScenarioForm(Form):
    name = StringField(_l("Scenario (情形)"), validators=[Optional(), Length(max=120)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])
    remove = BooleanField(_l("Remove"))


class FeeForm(Form):
    name = StringField(_l("Fee"), validators=[Optional(), Length(max=120)])
    amount_yuan = DecimalField(_l("Amount (yuan)"), places=2,
                               validators=[Optional(), finite, NumberRange(min=0, max=10**7)])
    remove = BooleanField(_l("Remove"))


class ServiceItemForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(REQUIRED), Length(max=32)],
                       description=_l("Stable key for imports, e.g. market-company-setup."))
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    unit_code = SelectField(_l("Responsible unit"), validators=[DataRequired(REQUIRED)])
    promised_days = DecimalField(_l("Promised time limit (working days)"), places=1,
                                 validators=[InputRequired(REQUIRED), finite, NumberRange(min=0, max=999)],
                                 description=_l("0 means on the spot (即办件); 0.5 is half a day."))
    statutory_days = DecimalField(_l("Statutory time limit (working days)"), places=1,
                                  validators=[Optional(), finite, NumberRange(min=0, max=999)])
    fee_rule = TextAreaField(_l("Fee rule"), validators=[Optional(), Length(max=300)],
                             description=_l("In words; the fees allowed are listed below. No fee listed means free of charge."))
    max_trips = IntegerField(_l("Most trips needed"), default=1,
                             validators=[InputRequired(REQUIRED), NumberRange(0, 20)])
    online_available = BooleanField(_l("Can be done online (可网办)"))
    one_thing_package = StringField(_l("“One thing” package"), validators=[Optional(), Length(max=100)],
                                    description=_l("e.g. 企业开办"))
    guide_url = StringField(_l("Official guide web address"),
                            validators=[Optional(), Length(max=300), URL(message=_l("Enter a web address."))])
    materials = FieldList(FormField(MaterialForm), min_entries=1)
    scenarios = FieldList(FormField(ScenarioForm), min_entries=1)
    fees = FieldList(FormField(FeeForm), min_entries=1)


class ImportForm(FlaskForm):
    file = FileField(_l("Guide file (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "csv"], _l("Upload an .xlsx or .csv file.")),
    ])


class UserForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("Role"), choices=ROLES, validators=[DataRequired(REQUIRED)])
    unit_code = SelectField(_l("Unit"), description=_l(
        "Required for unit accounts (their unit) and inspectors (their home unit)."))


class EditUserForm(UserForm):
    conflict_unit_ids = MultiCheckboxField(
        _l("Further conflicts of interest"), coerce=id_value,
        description=_l("For inspectors: units they must never be drawn to visit besides their home unit "
                       "(a spouse's or a former employer, for instance)."))


class NewUserForm(UserForm):
    username = StringField(_l("User name"), validators=[DataRequired(REQUIRED), Length(max=64)],
                           render_kw={"autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(REQUIRED)],
                             description=_l("The user must change it at the first login."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Temporary password again"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Temporary password"), validators=[DataRequired(REQUIRED)],
                             description=_l("The user must change it at the next login."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Temporary password again"), validators=[
        DataRequired(REQUIRED), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired(REQUIRED)])
    working = RadioField(_l("This day is"), choices=[SelectChoice("1", _l("a working day (调休上班)")), SelectChoice("0", _l("a day off"))],
                         default="1", validators=[InputRequired(REQUIRED)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=100)], description=_l("e.g. 国庆节调休"))


class OfficeForm(FlaskForm):
    office_name = StringField(_l("Issuing office (发文机关)"), validators=[Optional(), Length(max=100)],
                              description=_l("Printed in red at the top of documents. Empty: the default."))
    number_prefix = StringField(_l("Document number prefix"), validators=[Optional(), Length(max=30)],
                                description=_l("e.g. 安如我办, giving 安如我办〔2026〕1号"))
    signatory = StringField(_l("Signed by (落款)"), validators=[Optional(), Length(max=100)])
    addressee = StringField(_l("Addressees of a circular (主送机关)"), validators=[Optional(), Length(max=200)],
                            description=_l("e.g. 各乡镇人民政府，县直各单位"))
