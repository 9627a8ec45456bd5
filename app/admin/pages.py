"""The administration's form pages: save through a service, show a refused form, toggle "active"."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth.session import local_path
from app.extensions import db
from app.formtools import form_status
from app.services import catalogue


def form_page(form: FlaskForm, title: str, back: str, **context: object) -> tuple[str, int]:
    """The form; sent back after a POST only when it was refused, hence 422 then."""
    status = form_status()
    return render_template("admin/form.html", form=form, title=title, back=back, **context), status


def active_flag() -> bool:
    """The toggle forms' "active": "1" or "0"; anything else is refused (400)."""
    value = request.form.get("active")
    if value not in ("0", "1"):
        abort(400)
    return value == "1"


def set_active_and_return(obj: object, fallback: str) -> Response:
    """Set a catalogue entry active or not as the toggle form says, then go back where it was."""
    active = active_flag()
    catalogue.set_active(obj, active, actor=current_user)
    db.session.commit()
    flash(_("Activated.") if active else _("Deactivated; it keeps its history."), "success")
    return redirect(local_path(request.form.get("next")) or fallback)
