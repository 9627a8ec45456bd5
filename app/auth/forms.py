"""Forms of the auth area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(
        _l("User name"),
        validators=[DataRequired(message=_l("Enter your user name.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(FlaskForm):
    """The current password and a new one, twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Enter a new password.")), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
        description=_l(
            "8 to 64 characters with at least three of: lower-case letters, capitals, digits, "
            "other characters. Not a common password and not your user name."
        ),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Enter the new password again.")),
            EqualTo("password", message=_l("The two new passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class NotificationsForm(FlaskForm):
    """Whether notifications are also e-mailed, and where."""

    email = EmailField(_l("E-mail address"), validators=[Length(max=254)], render_kw={"autocomplete": "email"})
    by_email = BooleanField(_l("Also send my notifications by e-mail"))
    submit = SubmitField(_l("Save"))
